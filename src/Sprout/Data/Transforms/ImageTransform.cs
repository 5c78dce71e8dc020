namespace Sprout.Data.Transforms;

/// <summary>
/// A transform of one image (C, H, W) → (C', H', W'), as torchvision's <c>transforms</c>: the <see cref="DataLoader"/>
/// runs it on each sample as it gathers a batch (on its prefetch thread), so a data set resized or augmented is never
/// held whole in memory. Random transforms draw from the stream the loader gives each sample (its seed, the epoch and
/// the sample), so an epoch is the same however the work is split over threads.
/// </summary>
public abstract class ImageTransform
{
    /// <summary>
    /// The shape this transform makes of images of <paramref name="input"/> shape; throws, naming both shapes and the
    /// fix, when it cannot transform them (the loader asks before the first batch, so bad settings fail early).
    /// </summary>
    public abstract ImageShape OutputShape(ImageShape input);

    /// <summary>Writes the transform of <paramref name="image"/> (of <paramref name="shape"/>) to <paramref name="output"/> (of <see cref="OutputShape"/>).</summary>
    public abstract void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> output, RandomStream random);

    /// <summary>
    /// Transforms every image of <paramref name="images"/> (N, C, H, W) at once (for a test set, or to look at the
    /// result); image i draws from the stream keyed by <paramref name="seed"/> and i.
    /// </summary>
    public Tensor Apply(Tensor images, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        var input = ImageShape.OfSamples(images.Shape, GetType().Name);
        var output = OutputShape(input);
        var result = new Tensor(new Shape(images.Shape[0], output.Channels, output.Height, output.Width));
        ReadOnlySpan<float> src = images.Span;
        var dst = result.AsSpan();
        for (int i = 0; i < images.Shape[0]; i++)
            Apply(src.Slice(i * input.Length, input.Length), input, dst.Slice(i * output.Length, output.Length), StreamFor(seed, 0, i));
        return result;
    }

    /// <summary>The stream sample <paramref name="sample"/> of epoch <paramref name="epoch"/> draws from.</summary>
    internal static RandomStream StreamFor(ulong seed, int epoch, int sample) => Rng.Stream(seed, $"ImageTransform epoch {epoch} sample {sample}");

    /// <summary>Composes transforms applied in order, as torchvision's <c>transforms.Compose</c>.</summary>
    public static ImageTransform Compose(params ImageTransform[] transforms) => new Compose(transforms);
}
