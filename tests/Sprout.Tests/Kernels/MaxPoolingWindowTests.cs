namespace Sprout.Tests.Kernels;

/// <summary>
/// Max pooling with general windows on images wide enough for the 16-at-a-time path (ResNet's stem: 3×3, stride 2,
/// padding 1), against the definition: each window's first largest value in row-major order, and the gradient routed
/// to exactly that input.
/// </summary>
public class MaxPoolingWindowTests
{
    [Theory]
    [InlineData(3, 2, 1, 48, 48, false, false)]   // the stem's pool at 96×96 input
    [InlineData(3, 2, 1, 37, 41, false, false)]   // odd sizes: a ragged last block of windows
    [InlineData(3, 1, 1, 20, 35, false, false)]   // stride 1
    [InlineData(2, 2, 1, 18, 40, true, false)]    // even window with padding, ceil mode
    [InlineData(5, 2, 2, 9, 70, false, false)]    // a larger window
    [InlineData(3, 2, 1, 48, 48, false, true)]    // border windows whose every value is −∞: the first inside wins
    [InlineData(3, 1, 1, 20, 35, false, true)]
    public void Values_indices_and_gradients_match_the_definition(int size, int stride, int padding, int h, int w, bool ceil, bool infiniteBorder)
    {
        Rng.Seed(5);
        // Values on a coarse grid (many ties, to pin down which of equal values wins), and some negative infinities.
        var data = Tensor.RandomUniform(new Shape(2 * 3 * h * w), -4f, 4f).ToArray().Select(v => MathF.Round(v)).ToArray();
        for (int i = 0; i < data.Length; i += 97) data[i] = float.NegativeInfinity;
        if (infiniteBorder)   // the first two rows and columns and the last column of every plane
            for (int i = 0; i < data.Length; i++)
                if (i / w % h < 2 || i % w < 2 || i % w == w - 1) data[i] = float.NegativeInfinity;
        var x = Tensor.FromArray(data, 2, 3, h, w);
        x.AttachGrad();
        Tensor y;
        using (Sprout.Autograd.Record()) y = Tensor.MaxPool2D(x, size, stride, padding, ceil);
        int oh = y.Shape[2], ow = y.Shape[3];
        var dy = Tensor.RandomUniform(y.Shape, 0.5f, 1.5f);
        y.Backward(dy);

        var expectedY = new float[y.Length];
        var expectedDx = new float[x.Length];
        var dyValues = dy.ToArray();
        for (int plane = 0; plane < 6; plane++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int best = -1;
                    for (int ky = 0; ky < size; ky++)
                        for (int kx = 0; kx < size; kx++)
                        {
                            int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            int at = (plane * h + iy) * w + ix;
                            if (best < 0 || data[at] > data[best]) best = at;
                        }
                    int outIndex = (plane * oh + oy) * ow + ox;
                    expectedY[outIndex] = data[best];
                    expectedDx[best] += dyValues[outIndex];
                }
        Assert.Equal(expectedY, y.ToArray());
        Assert.Equal(expectedDx, x.Grad()!.ToArray());
    }
}
