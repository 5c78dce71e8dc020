namespace Sprout.Data.Transforms;

/// <summary>
/// A <see cref="Height"/>×<see cref="Width"/> window at a random place of the image padded by <see cref="Padding"/>
/// zeros on every side, as torchvision's <c>RandomCrop(size, padding)</c>.
/// </summary>
public sealed class RandomCrop : ImageTransform
{
    /// <summary>Crops <paramref name="height"/>×<paramref name="width"/> (square when the width is left out) after padding by <paramref name="padding"/>.</summary>
    public RandomCrop(int height, int? width = null, int padding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width is <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "RandomCrop: the width must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        (Height, Width, Padding) = (height, width ?? height, padding);
    }

    /// <summary>The crop's height.</summary>
    public int Height { get; }
    /// <summary>The crop's width.</summary>
    public int Width { get; }
    /// <summary>Zeros added on each side before cropping.</summary>
    public int Padding { get; }

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input) => Crop.OutputShape(nameof(RandomCrop), input, Height, Width, Padding);

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> output, RandomStream random)
    {
        int top = random.NextInt32(shape.Height + 2 * Padding - Height + 1);
        int left = random.NextInt32(shape.Width + 2 * Padding - Width + 1);
        Crop.Window(image, shape, Padding, top, left, output, Height, Width);
    }

    /// <inheritdoc/>
    public override string ToString() => $"RandomCrop({Height}, {Width}, padding: {Padding})";
}
