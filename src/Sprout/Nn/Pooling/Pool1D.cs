using System.Globalization;

namespace Sprout.Nn;

/// <summary>The shared core of <see cref="MaxPool1D"/> and <see cref="AvgPool1D"/>: (N, C, L) → (N, C, Lo).</summary>
public abstract class Pool1D : Block
{
    private protected Pool1D(int poolSize, int? strides, int padding, bool ceilMode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(poolSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(strides ?? poolSize, nameof(strides));
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (padding > poolSize / 2)
            throw new ArgumentOutOfRangeException(nameof(padding), padding,
                $"Padding {padding} is more than half the pool size {poolSize}: some windows would cover padding only. Use padding of at most {poolSize / 2}.");
        (PoolSize, Strides, Padding, CeilMode) = (poolSize, strides ?? poolSize, padding, ceilMode);
    }

    /// <summary>The window's length.</summary>
    public int PoolSize { get; }
    /// <summary>Defaults to the pool size (non-overlapping windows), as in Gluon and PyTorch.</summary>
    public int Strides { get; }
    /// <summary>Padding at each end, at most half the window.</summary>
    public int Padding { get; }
    /// <summary>Whether a partial last window counts (the output length rounds up).</summary>
    public bool CeilMode { get; }

    private protected abstract bool IsMax { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        try
        {
            return IsMax ? Tensor.MaxPool1D(x, PoolSize, Strides, Padding, CeilMode) : Tensor.AvgPool1D(x, PoolSize, Strides, Padding, CeilMode);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}' cannot take the input of shape {x.Shape} that reached it: {InnerReason.Of(e)}", nameof(x), e);
        }
    }

    /// <inheritdoc/>
    protected override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{GetType().Name}(size={PoolSize}, stride={Strides}, padding={Padding}, ceil_mode={CeilMode})");

    /// <summary>Checks that a layer's input is (N, C, L).</summary>
    internal static Tensor Sequences(Tensor x, Block layer) => x.Rank == 3 ? x
        : throw new ArgumentException($"{layer.GetType().Name} at '{CurrentPathOrRoot}' expects an input of shape (N, C, L); got {x.Shape}.", nameof(x));
}
