namespace Sprout.Nn;

/// <summary>The mean of each channel's plane: (N, C, H, W) → (N, C, 1, 1), as Gluon's GlobalAvgPool2D.</summary>
public sealed class GlobalAvgPool2D : Block
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4)
            throw new ArgumentException($"GlobalAvgPool2D at '{CurrentPathOrRoot}' expects an input of shape (N, C, H, W); got {x.Shape}.", nameof(x));
        int n = x.Shape[0], c = x.Shape[1];
        return x.Reshape(n, c, -1).Mean(2).Reshape(n, c, 1, 1);
    }
}
