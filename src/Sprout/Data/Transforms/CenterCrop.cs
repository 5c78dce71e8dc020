namespace Sprout.Data.Transforms;

/// <summary>The central <see cref="Height"/>×<see cref="Width"/> window, as torchvision's <c>CenterCrop</c> (rounding the offsets as it does).</summary>
public sealed class CenterCrop : ImageTransform
{
    /// <summary>Crops the centre <paramref name="height"/>×<paramref name="width"/> (square when the width is left out).</summary>
    public CenterCrop(int height, int? width = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width is <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "CenterCrop: the width must be positive.");
        (Height, Width) = (height, width ?? height);
    }

    /// <summary>The crop's height.</summary>
    public int Height { get; }
    /// <summary>The crop's width.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input) => Crop.OutputShape(nameof(CenterCrop), input, Height, Width, padding: 0);

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> output, RandomStream random)
    {
        int top = (int)Math.Round((shape.Height - Height) / 2.0), left = (int)Math.Round((shape.Width - Width) / 2.0);
        Crop.Window(image, shape, 0, top, left, output, Height, Width);
    }

    /// <inheritdoc/>
    public override string ToString() => $"CenterCrop({Height}, {Width})";
}
