namespace Sprout.Nn;

/// <summary>The mean of each channel over L: (N, C, L) → (N, C, 1), as Gluon's GlobalAvgPool1D.</summary>
public sealed class GlobalAvgPool1D : Block
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => Pool1D.Sequences(x, this).Mean(2, keepDims: true);
}
