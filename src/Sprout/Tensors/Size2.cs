namespace Sprout;

/// <summary>A (height, width) pair for kernel sizes, strides, padding and dilation; an int means the same for both.</summary>
public readonly record struct Size2(int H, int W)
{
    public static implicit operator Size2(int both) => new(both, both);
    public static implicit operator Size2((int H, int W) pair) => new(pair.H, pair.W);

    public override string ToString() => H == W ? $"{H}" : $"({H}, {W})";
}
