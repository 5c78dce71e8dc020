namespace Sprout;

/// <summary>A (height, width) pair for kernel sizes, strides, padding and dilation; an int means the same for both.</summary>
public readonly record struct Size2(int H, int W)
{
    /// <summary>The same size for height and width.</summary>
    public static implicit operator Size2(int both) => new(both, both);
    /// <summary>Height and width from a pair.</summary>
    public static implicit operator Size2((int H, int W) pair) => new(pair.H, pair.W);

    /// <inheritdoc/>
    public override string ToString() => H == W ? $"{H}" : $"({H}, {W})";
}
