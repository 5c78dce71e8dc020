using Sprout.Nn;

namespace Sprout.Tests.Nn;

/// <summary>Adaptive and global max pooling against a reference written from the bin equations.</summary>
public class AdaptivePoolingTests
{
    /// <summary>Output cell (i, j) pools rows [⌊i·H/h⌋, ⌈(i+1)·H/h⌉) and columns likewise (PyTorch's definition).</summary>
    private static float[] Reference(Tensor x, int h, int w, bool max)
    {
        int planes = x.Shape[0] * x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        var values = x.ToArray();
        var result = new List<float>();
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    int r0 = i * height / h, r1 = (int)Math.Ceiling((i + 1) * height / (double)h);
                    int c0 = j * width / w, c1 = (int)Math.Ceiling((j + 1) * width / (double)w);
                    var bin = from r in Enumerable.Range(r0, r1 - r0) from c in Enumerable.Range(c0, c1 - c0) select values[(p * height + r) * width + c];
                    result.Add(max ? bin.Max() : bin.Average());
                }
        return [.. result];
    }

    [Theory]
    [InlineData(5, 7, 3, 2)]   // uneven: bins overlap by a row or column
    [InlineData(8, 6, 4, 3)]   // even: plain pools
    [InlineData(3, 3, 5, 4)]   // more outputs than inputs: bins repeat pixels
    [InlineData(6, 6, 1, 1)]   // global
    public void Adaptive_pools_match_the_bin_equations_at_any_input_size(int height, int width, int h, int w)
    {
        var x = Tensor.RandomUniform(new Shape(2, 3, height, width), -1f, 1f);
        TestHelpers.Close(Reference(x, h, w, max: false), new AdaptiveAvgPool2D((h, w)).InitializeAndRun(x));
        TestHelpers.Close(Reference(x, h, w, max: true), new AdaptiveMaxPool2D((h, w)).InitializeAndRun(x));
        Assert.Equal(new Shape(2, 3, h, w), new AdaptiveAvgPool2D((h, w)).Build(x.Shape));
    }

    [Fact]
    public void Global_max_pool_keeps_each_planes_maximum_and_routes_its_gradient_there()
    {
        var x = Tensor.FromArray([1, 9, 3, 4, -2, -1, -5, -3], 1, 2, 2, 2);
        x.AttachGrad();
        Tensor y, total;
        using (Sprout.Autograd.Record()) total = (y = new GlobalMaxPool2D().InitializeAndRun(x)).Sum();
        Assert.Equal(new Shape(1, 2, 1, 1), y.Shape);
        Assert.Equal([9f, -1f], y.ToArray());
        total.Backward();
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 1f, 0f, 0f], x.Grad().ToArray());
    }

    [Fact]
    public void Bad_sizes_and_ranks_are_clear_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveAvgPool2D((0, 2)));
        var rank = Assert.Throws<ArgumentException>(() => new Sequential { new AdaptiveMaxPool2D(2) }.InitializeAndRun(Tensor.Zeros(2, 3, 4)));
        Assert.Contains("AdaptiveMaxPool2D at '0' expects an input of shape (N, C, H, W); got (2, 3, 4)", rank.Message);
    }
}
