namespace Sprout.Nn;

/// <summary>The maximum of each bin of a fixed grid over each plane: (N, C, H, W) → (N, C, h, w).</summary>
public sealed class AdaptiveMaxPool2D(Size2 outputSize) : AdaptivePool2D(outputSize)
{
    private protected override Tensor Pool(Tensor x) => Tensor.AdaptiveMaxPool2D(x, OutputSize);
}
