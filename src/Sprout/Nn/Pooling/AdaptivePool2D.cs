namespace Sprout.Nn;

/// <summary>
/// Pooling to a fixed output size whatever the input's (PyTorch's <c>AdaptiveAvgPool2d</c>/<c>AdaptiveMaxPool2d</c>): the
/// window follows the image, so a network ending in one takes any image size. Nothing to infer, nothing to learn.
/// </summary>
public abstract class AdaptivePool2D : Block
{
    private protected AdaptivePool2D(Size2 outputSize)
    {
        if (outputSize.H <= 0 || outputSize.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, $"{GetType().Name}: the output size must be positive.");
        OutputSize = outputSize;
    }

    /// <summary>The (height, width) of each output plane.</summary>
    public Size2 OutputSize { get; }

    private protected abstract Tensor Pool(Tensor x);

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4)
            throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}' expects an input of shape (N, C, H, W); got {x.Shape}. Reshape it to (N, C, H, W) first.", nameof(x));
        return Pool(x);
    }

    /// <inheritdoc/>
    protected override string Describe() => $"{GetType().Name}(output_size={OutputSize})";
}
