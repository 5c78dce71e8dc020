namespace Sprout.Nn;

/// <summary>The maximum of each window; strides default to the pool size.</summary>
public sealed class MaxPool2D(Size2 poolSize, Size2? strides = null, Size2? padding = null, bool ceilMode = false)
    : Pool2D(poolSize, strides, padding, ceilMode)
{
    private protected override bool IsMax => true;
}
