namespace Sprout.Nn;

/// <summary>The mean of each window along L (padding counts as zeros); strides default to the pool size.</summary>
public sealed class AvgPool1D(int poolSize, int? strides = null, int padding = 0, bool ceilMode = false) : Pool1D(poolSize, strides, padding, ceilMode)
{
    private protected override bool IsMax => false;
}
