using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout;

// 2-D convolution lowered to GEMM through im2col, batched over the whole mini-batch: the columns of all samples form
// one (C·kh·kw) × (N·Ho·Wo) matrix, so each group is a single large product. Backward reuses the columns.
public sealed partial class Tensor
{
    /// <summary>
    /// Cross-correlation of x (N, C, H, W) with weight (O, C/groups, kh, kw), plus bias (O), → (N, O, Ho, Wo) with
    /// Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1.
    /// </summary>
    public static Tensor Conv2D(Tensor x, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 dilation, int groups = 1)
    {
        var geometry = ConvolutionGeometry(x, weight, bias, stride, padding, dilation, groups);
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], o = weight.Shape[0];
        int oh = geometry.OutH(h), ow = geometry.OutW(w);
        var y = Empty(new Shape(n, o, oh, ow), x.IsMeta || weight.IsMeta || (bias?.IsMeta ?? false));
        if (y.IsMeta) return y;

        int kg = c / groups * geometry.KernelH * geometry.KernelW, og = o / groups, columns = n * oh * ow;
        var cols = new float[c * geometry.KernelH * geometry.KernelW * columns];
        Im2Col.Unfold(x._storage!, x._offset, n, c, h, w, geometry, cols);
        var product = new float[o * columns];   // (O, N·Ho·Wo)
        for (int g = 0; g < groups; g++)
            Gemm.Multiply(false, false, og, columns, kg, 1f, weight._storage!, weight._offset + g * og * kg, kg,
                cols, g * kg * columns, columns, 0f, product, g * og * columns, columns);
        SwapLeadingAxes(product, o, n, oh * ow, y._storage!, 0);
        if (bias is not null) AddChannelBias(y, bias);
        if (Autograd.IsRecording && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
            Conv2DBackward(y, x, weight, bias, geometry, groups, cols);
        return y;
    }

    private static void Conv2DBackward(Tensor y, Tensor x, Tensor weight, Tensor? bias, ConvGeometry geometry, int groups, float[] cols)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], o = weight.Shape[0];
        int hw = y.Shape[2] * y.Shape[3], columns = n * hw, og = o / groups, kg = c / groups * geometry.KernelH * geometry.KernelW;
        float[]? gradientRows = null;   // dY as (O, N·Ho·Wo), shared by the three rules
        float[] Rows(Tensor g)
        {
            if (gradientRows is not null) return gradientRows;
            var rows = new float[o * columns];
            SwapLeadingAxes(g._storage!, n, o, hw, rows, 0, g._offset);
            return gradientRows = rows;
        }
        Tensor DWeight(Tensor g)
        {
            var dy = Rows(g);
            var dw = new Tensor(weight.Shape);
            for (int gi = 0; gi < groups; gi++)   // dW_g = dY_g · cols_gᵀ
                Gemm.Multiply(false, true, og, kg, columns, 1f, dy, gi * og * columns, columns,
                    cols, gi * kg * columns, columns, 0f, dw._storage!, gi * og * kg, kg);
            return dw;
        }
        Tensor DInput(Tensor g)
        {
            var dy = Rows(g);
            var dcols = new float[cols.Length];
            for (int gi = 0; gi < groups; gi++)   // dcols_g = W_gᵀ · dY_g
                Gemm.Multiply(true, false, kg, columns, og, 1f, weight._storage!, weight._offset + gi * og * kg, kg,
                    dy, gi * og * columns, columns, 0f, dcols, gi * kg * columns, columns);
            var dx = new Tensor(x.Shape);
            Im2Col.Fold(dcols, n, c, h, w, geometry, dx._storage!, 0);
            return dx;
        }
        Tensor DBias(Tensor g)
        {
            var dy = Rows(g);
            var db = new Tensor(new Shape(o));
            for (int k = 0; k < o; k++) db._storage![k] = TensorPrimitives.Sum(dy.AsSpan(k * columns, columns));
            return db;
        }
        if (bias is null) y.Record("Conv2D", x, DInput, weight, DWeight);
        else y.Record("Conv2D", [x, weight, bias], [DInput, DWeight, DBias]);
    }

    private static ConvGeometry ConvolutionGeometry(Tensor x, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 4)
            throw new ArgumentException($"Conv2D expects an input of shape (N, C, H, W); got {x.Shape} (rank {x.Rank}). Add the missing axes with Reshape, e.g. a single grayscale image as (1, 1, H, W).", nameof(x));
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2D expects a weight of shape (out, in/groups, kh, kw); got {weight.Shape}.", nameof(weight));
        if (groups <= 0 || x.Shape[1] % groups != 0 || weight.Shape[0] % groups != 0 || weight.Shape[1] * groups != x.Shape[1])
            throw new ArgumentException($"Conv2D: input {x.Shape} with {x.Shape[1]} channels, weight {weight.Shape} and groups={groups} do not agree: expected channels = weight.Shape[1]·groups and both channel counts divisible by groups.");
        if (bias is not null && bias.Shape != new Shape(weight.Shape[0]))
            throw new ArgumentException($"Conv2D: bias of shape {bias.Shape} does not match {weight.Shape[0]} output channels.", nameof(bias));
        if (stride.H <= 0 || stride.W <= 0 || dilation.H <= 0 || dilation.W <= 0 || padding.H < 0 || padding.W < 0)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Conv2D: strides ({stride}) and dilation ({dilation}) must be positive and padding ({padding}) non-negative.");
        var g = new ConvGeometry(weight.Shape[2], weight.Shape[3], stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        if (g.OutH(x.Shape[2]) <= 0 || g.OutW(x.Shape[3]) <= 0)
            throw new ArgumentException(
                $"Conv2D: the {weight.Shape[2]}x{weight.Shape[3]} kernel (dilation {dilation}) does not fit the input of shape {x.Shape} padded by {padding}: " +
                "the image is too small for this layer. Use a larger input, more padding or a smaller kernel.", nameof(x));
        return g;
    }

    /// <summary>(A, B, R) → (B, A, R) for row-major blocks of R floats.</summary>
    private static void SwapLeadingAxes(float[] src, int a, int b, int r, float[] dst, int dstOffset, int srcOffset = 0)
    {
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                src.AsSpan(srcOffset + (i * b + j) * r, r).CopyTo(dst.AsSpan(dstOffset + (j * a + i) * r, r));
    }

    private static void AddChannelBias(Tensor y, Tensor bias)
    {
        int n = y.Shape[0], o = y.Shape[1], hw = y.Shape[2] * y.Shape[3];
        var data = y.AsSpan();
        var b = bias.Span;
        for (int s = 0; s < n; s++)
            for (int k = 0; k < o; k++)
            {
                var plane = data.Slice((s * o + k) * hw, hw);
                TensorPrimitives.Add(plane, b[k], plane);
            }
    }
}
