namespace Sprout.Nn;

/// <summary>The maximum of each channel over L: (N, C, L) → (N, C, 1), as Gluon's GlobalMaxPool1D (the book's TextCNN).</summary>
public sealed class GlobalMaxPool1D : Block
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => Pool1D.Sequences(x, this).Max(2, keepDims: true);
}
