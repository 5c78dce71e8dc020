namespace Sprout.Nn;

/// <summary>The maximum of each window along L; strides default to the pool size.</summary>
public sealed class MaxPool1D(int poolSize, int? strides = null, int padding = 0, bool ceilMode = false) : Pool1D(poolSize, strides, padding, ceilMode)
{
    private protected override bool IsMax => true;
}
