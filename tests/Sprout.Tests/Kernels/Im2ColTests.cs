using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>
/// im2col and col2im against their definitions, on the shapes that unfold whole shifted planes (small planes under a
/// stride-1 "same" convolution, on AVX-512), on shapes that go row by row (stride 2 by permutes on AVX-512): every column entry written, nothing
/// written past the matrix or the images, and col2im adding onto what the gradient already holds.
/// </summary>
public class Im2ColTests
{
    [Theory]
    [InlineData(3, 5, 3, 3, 3, 3, 1, 1, 1)]     // ResNet's last stage: 9 pixels, one partial vector a plane
    [InlineData(2, 4, 6, 6, 3, 3, 1, 1, 1)]     // 36 pixels: two whole vectors and a partial one
    [InlineData(2, 3, 5, 7, 3, 3, 1, 1, 1)]     // not square
    [InlineData(2, 3, 4, 4, 5, 5, 2, 2, 1)]     // a 5×5 kernel on a 4×4 plane: taps shifted past whole rows
    [InlineData(2, 3, 4, 4, 1, 1, 0, 0, 1)]     // 1×1: no shift
    [InlineData(2, 2, 16, 16, 3, 3, 1, 1, 1)]   // 256 pixels: whole vectors only
    [InlineData(2, 3, 7, 5, 3, 1, 1, 0, 1)]     // a 3×1 kernel
    [InlineData(2, 3, 24, 24, 3, 3, 1, 1, 1)]   // ResNet's first stage: 36 vectors a plane
    [InlineData(2, 3, 33, 33, 3, 3, 1, 1, 1)]   // too wide for the shifted planes: row by row
    [InlineData(2, 3, 6, 6, 3, 3, 0, 0, 1)]     // no padding (the output is smaller): row by row
    [InlineData(2, 3, 24, 24, 3, 3, 1, 1, 2)]   // ResNet's stride-2 3×3: every other input value, 12 a row
    [InlineData(2, 2, 96, 95, 7, 7, 3, 3, 2)]   // the stem's 7×7 stride 2: rows of 48 (three permutes), odd width
    [InlineData(2, 3, 12, 12, 1, 1, 0, 0, 2)]   // the 1×1 stride-2 shortcut
    [InlineData(2, 3, 13, 11, 3, 3, 1, 1, 3)]   // stride 3: one value at a time
    public void Unfold_and_fold_match_their_definitions(int n, int c, int h, int w, int kh, int kw, int padH, int padW, int stride)
    {
        var g = new ConvGeometry(kh, kw, stride, stride, padH, padW);
        int oh = g.OutH(h), ow = g.OutW(w), rows = c * kh * kw, columns = n * oh * ow;
        var rng = Rng.Stream(3, $"im2col {n} {c} {h} {w} {kh} {kw}");
        var x = new float[n * c * h * w + 7];   // past the images: a guard the unfold must not read into its result
        rng.FillUniform(x, -1f, 1f);
        const int Guard = 19;
        var cols = new float[rows * columns + Guard];
        cols.AsSpan().Fill(float.NaN);
        Im2Col.Unfold(x, 0, n, c, h, w, g, cols);
        foreach (var (entry, input) in Entries(n, c, h, w, g))
            Assert.Equal(input >= 0 ? x[input] : 0f, cols[entry]);
        Assert.All(cols[(rows * columns)..], v => Assert.True(float.IsNaN(v), "Unfold wrote past the matrix"));

        rng.FillUniform(cols, -1f, 1f);
        var dx = new float[n * c * h * w + Guard];
        rng.FillUniform(dx, -1f, 1f);   // col2im adds onto what is there
        var expectedDx = (float[])dx.Clone();
        foreach (var (entry, input) in Entries(n, c, h, w, g))
            if (input >= 0) expectedDx[input] += cols[entry];
        Im2Col.Fold(cols, n, c, h, w, g, dx, 0);
        Assert.Equal(expectedDx, dx);   // bit for bit: the taps are added in the same order
    }

    /// <summary>
    /// Each entry of the im2col matrix, by the definition, in the order col2im adds them (channel, tap, sample, output
    /// pixel): its index in the matrix and the index in x of the input value under it, or −1 in the padding.
    /// </summary>
    private static IEnumerable<(int Entry, int Input)> Entries(int n, int c, int h, int w, ConvGeometry g)
    {
        int oh = g.OutH(h), ow = g.OutW(w), columns = n * oh * ow;
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++)
                    for (int s = 0; s < n; s++)
                        for (int y = 0; y < oh; y++)
                            for (int xo = 0; xo < ow; xo++)
                            {
                                int iy = y * g.StrideH - g.PadH + i, ix = xo * g.StrideW - g.PadW + j;
                                int row = (ch * g.KernelH + i) * g.KernelW + j;
                                bool inside = (uint)iy < (uint)h && (uint)ix < (uint)w;
                                yield return (row * columns + (s * oh + y) * ow + xo, inside ? ((s * c + ch) * h + iy) * w + ix : -1);
                            }
    }
}
