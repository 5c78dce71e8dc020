using Sprout.Kernels;

namespace Sprout;

// Adaptive pooling to a fixed output size (the loops in Kernels/AdaptivePoolPlanes), with its backward rule.
public sealed partial class Tensor
{
    /// <summary>The mean of each of <paramref name="outputSize"/> bins tiling each plane: (N, C, H, W) → (N, C, h, w), as PyTorch's <c>adaptive_avg_pool2d</c>.</summary>
    public static Tensor AdaptiveAvgPool2D(Tensor x, Size2 outputSize) => AdaptivePool2D(x, outputSize, max: false);

    /// <summary>The maximum of each of <paramref name="outputSize"/> bins tiling each plane: (N, C, H, W) → (N, C, h, w), as PyTorch's <c>adaptive_max_pool2d</c>.</summary>
    public static Tensor AdaptiveMaxPool2D(Tensor x, Size2 outputSize) => AdaptivePool2D(x, outputSize, max: true);

    private static Tensor AdaptivePool2D(Tensor x, Size2 size, bool max)
    {
        ArgumentNullException.ThrowIfNull(x);
        string op = max ? "AdaptiveMaxPool2D" : "AdaptiveAvgPool2D";
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects an input of shape (N, C, H, W); got {x.Shape} (rank {x.Rank}).", nameof(x));
        if (size.H <= 0 || size.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"{op}: the output size must be positive; got {size}.");
        int planes = x.Shape[0] * x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        var y = EmptyForOverwrite(new Shape(x.Shape[0], x.Shape[1], size.H, size.W), x.IsMeta);
        if (y.IsMeta) return y;
        int outPlane = size.H * size.W;
        var argmax = max ? new int[y.Length] : [];
        var (xs, ys) = (x.Storage!, y.Storage!);
        int xo = x._offset;
        WorkerPool.ForRanges(planes, (long)x.Length, (p0, p1) =>
            AdaptivePoolPlanes.Forward(max, xs.AsSpan(xo + p0 * h * w, (p1 - p0) * h * w), p1 - p0, h, w, ys.AsSpan(p0 * outPlane, (p1 - p0) * outPlane),
                max ? argmax.AsSpan(p0 * outPlane, (p1 - p0) * outPlane) : [], size.H, size.W));
        if (Wants(x))
            y.Record(op, x, dy =>
            {
                var dx = new Tensor(x.Shape);
                var (gs, ds) = (dy.Storage!, dx.Storage!);
                int go = dy._offset;
                WorkerPool.ForRanges(planes, (long)x.Length, (p0, p1) =>
                    AdaptivePoolPlanes.Backward(max, gs.AsSpan(go + p0 * outPlane, (p1 - p0) * outPlane), max ? argmax.AsSpan(p0 * outPlane, (p1 - p0) * outPlane) : [],
                        p1 - p0, h, w, size.H, size.W, ds.AsSpan(p0 * h * w, (p1 - p0) * h * w)));
                return dx;
            });
        return y;
    }
}
