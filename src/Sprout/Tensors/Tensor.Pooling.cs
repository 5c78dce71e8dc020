using System.Runtime.InteropServices;
using Sprout.Kernels;

namespace Sprout;

// Max and average pooling over (N, C, H, W), with their backward rules: the gradient goes to each window's maximum,
// or is spread evenly over the window.
public sealed partial class Tensor
{
    /// <summary>The maximum of each window: (N, C, H, W) → (N, C, Ho, Wo).</summary>
    public static Tensor MaxPool2D(Tensor x, Size2 poolSize, Size2 strides, Size2 padding, bool ceilMode = false) =>
        Pool2D(x, max: true, poolSize, strides, padding, ceilMode);

    /// <summary>The mean of each window (padding counted as zeros): (N, C, H, W) → (N, C, Ho, Wo).</summary>
    public static Tensor AvgPool2D(Tensor x, Size2 poolSize, Size2 strides, Size2 padding, bool ceilMode = false) =>
        Pool2D(x, max: false, poolSize, strides, padding, ceilMode);

    private static Tensor Pool2D(Tensor x, bool max, Size2 size, Size2 strides, Size2 padding, bool ceil)
    {
        ArgumentNullException.ThrowIfNull(x);
        string op = max ? "MaxPool2D" : "AvgPool2D";
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects an input of shape (N, C, H, W); got {x.Shape} (rank {x.Rank}).", nameof(x));
        if (size.H <= 0 || size.W <= 0 || strides.H <= 0 || strides.W <= 0 || padding.H < 0 || padding.W < 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"{op}: pool size ({size}) and strides ({strides}) must be positive, padding ({padding}) non-negative.");
        if (padding.H * 2 > size.H || padding.W * 2 > size.W)
            throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: padding ({padding}) must be at most half the pool size ({size}).");
        var g = new ConvGeometry(size.H, size.W, strides.H, strides.W, padding.H, padding.W);
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oh = g.OutH(h, ceil), ow = g.OutW(w, ceil);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"{op}: the {size} window does not fit the input of shape {x.Shape} (padding {padding}); the image is too small for this layer.", nameof(x));
        var y = EmptyForOverwrite(new Shape(n, c, oh, ow), x.IsMeta);
        if (y.IsMeta) return y;
        // Max pooling's argmax (one int per output) lives in a pooled array, which its backward rule gives back.
        var argmax = max ? StoragePool.Rent(y.Length, clear: false) : [];
        int planes = n * c;
        WorkerPool.ForRanges(planes, (long)planes * h * w * size.H * size.W, (p0, p1) =>
            Pooling.Forward(max, x.Span.Slice(p0 * h * w, (p1 - p0) * h * w), p1 - p0, h, w, g, ceil,
                y.AsSpan().Slice(p0 * oh * ow, (p1 - p0) * oh * ow), Indices(argmax, max ? p0 * oh * ow : 0, max ? (p1 - p0) * oh * ow : 0)));
        if (Wants(x)) PoolBackward(y, x, max, g, ceil, argmax);
        return y;
    }

    private static Span<int> Indices(float[] argmax, int start, int length) => MemoryMarshal.Cast<float, int>(argmax.AsSpan(start, length));

    private static void PoolBackward(Tensor y, Tensor x, bool max, ConvGeometry g, bool ceil, float[] argmax)
    {
        float[]? indices = argmax;
        y.Record(max ? "MaxPool2D" : "AvgPool2D", x, dy =>
        {
            var saved = indices ?? throw new InvalidOperationException(
                "MaxPool2D's backward rule already ran for this forward pass and gave back its saved indices. Recompute the forward pass inside Autograd.Record() before calling Backward() again.");
            int h = x.Shape[2], w = x.Shape[3], oh = y.Shape[2], ow = y.Shape[3];
            // Each range of planes clears its own part of dx first (when the rule adds into it), in parallel too.
            bool overwrites = Pooling.BackwardOverwrites(max, g, h, w, ceil);
            var dx = Uninitialized(x.Shape);
            WorkerPool.ForRanges(x.Shape[0] * x.Shape[1], (long)x.Length, (p0, p1) =>
            {
                var part = dx.AsSpan().Slice(p0 * h * w, (p1 - p0) * h * w);
                if (!overwrites) part.Clear();
                Pooling.Backward(max, dy.Span.Slice(p0 * oh * ow, (p1 - p0) * oh * ow), p1 - p0, h, w, g, ceil,
                    Indices(saved, max ? p0 * oh * ow : 0, max ? (p1 - p0) * oh * ow : 0), part);
            });
            if (max)
            {
                indices = null;
                StoragePool.Return(saved);
            }
            return dx;
        });
    }

}
