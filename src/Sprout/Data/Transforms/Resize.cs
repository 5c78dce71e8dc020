using Sprout.Kernels;

namespace Sprout.Data.Transforms;

/// <summary>Bilinear resize to <see cref="Height"/>×<see cref="Width"/> (pixel centres aligned), as the book's <c>transforms.Resize</c>.</summary>
public sealed class Resize : ImageTransform
{
    /// <summary>Resizes to <paramref name="height"/>×<paramref name="width"/> (a square of <paramref name="height"/> when the width is left out).</summary>
    public Resize(int height, int? width = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width is <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "Resize: the width must be positive.");
        (Height, Width) = (height, width ?? height);
    }

    /// <summary>The output height.</summary>
    public int Height { get; }
    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input) => input with { Height = Height, Width = Width };

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> output, RandomStream random) =>
        BilinearPlanes.Resize(image, shape.Channels, shape.Height, shape.Width, output, Height, Width);

    /// <inheritdoc/>
    public override string ToString() => $"Resize({Height}, {Width})";
}
