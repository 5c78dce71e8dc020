namespace Sprout.Nn;

/// <summary>The mean of each window (padding counted as zeros); strides default to the pool size.</summary>
public sealed class AvgPool2D(Size2 poolSize, Size2? strides = null, Size2? padding = null, bool ceilMode = false)
    : Pool2D(poolSize, strides, padding, ceilMode)
{
    private protected override bool IsMax => false;
}
