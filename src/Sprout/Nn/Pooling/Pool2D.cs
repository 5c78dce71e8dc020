using System.Globalization;

namespace Sprout.Nn;

/// <summary>The shared core of <see cref="MaxPool2D"/> and <see cref="AvgPool2D"/>: (N, C, H, W) → (N, C, Ho, Wo).</summary>
public abstract class Pool2D : Block
{
    private protected Pool2D(Size2 poolSize, Size2? strides, Size2? padding, bool ceilMode)
    {
        if (poolSize.H <= 0 || poolSize.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(poolSize), poolSize, "Expected a positive pool size.");
        Size2Checks.Positive(strides ?? poolSize, nameof(strides));
        var pad = padding ?? 0;
        Size2Checks.NonNegative(pad, nameof(padding));
        if (pad.H > poolSize.H / 2 || pad.W > poolSize.W / 2)
            throw new ArgumentOutOfRangeException(nameof(padding), pad,
                $"Padding {pad} is more than half the pool size {poolSize}: some windows would cover padding only. Use padding of at most {new Size2(poolSize.H / 2, poolSize.W / 2)}.");
        (PoolSize, Strides, Padding, CeilMode) = (poolSize, strides ?? poolSize, pad, ceilMode);
    }

    /// <summary>The window (height, width).</summary>
    public Size2 PoolSize { get; }
    /// <summary>Defaults to the pool size (non-overlapping windows), as in Gluon and PyTorch.</summary>
    public Size2 Strides { get; }
    /// <summary>Padding on each side, at most half the window.</summary>
    public Size2 Padding { get; }
    /// <summary>Whether a partial last window counts (the output size rounds up).</summary>
    public bool CeilMode { get; }

    private protected abstract bool IsMax { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        try
        {
            return IsMax ? Tensor.MaxPool2D(x, PoolSize, Strides, Padding, CeilMode) : Tensor.AvgPool2D(x, PoolSize, Strides, Padding, CeilMode);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}' cannot take the input of shape {x.Shape} that reached it: {InnerReason.Of(e)}", nameof(x), e);
        }
    }

    /// <inheritdoc/>
    protected override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{GetType().Name}(size={PoolSize}, stride={Strides}, padding={Padding}, ceil_mode={CeilMode})");
}
