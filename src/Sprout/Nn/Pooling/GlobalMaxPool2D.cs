namespace Sprout.Nn;

/// <summary>The maximum of each channel's plane: (N, C, H, W) → (N, C, 1, 1), as Gluon's GlobalMaxPool2D.</summary>
public sealed class GlobalMaxPool2D : Block
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4)
            throw new ArgumentException($"GlobalMaxPool2D at '{CurrentPathOrRoot}' expects an input of shape (N, C, H, W); got {x.Shape}.", nameof(x));
        return Tensor.AdaptiveMaxPool2D(x, 1);
    }
}
