namespace Sprout.Data.Transforms;

/// <summary>Mirrors the image left to right with probability <see cref="Probability"/>, as torchvision's <c>RandomHorizontalFlip</c>.</summary>
public sealed class RandomHorizontalFlip : ImageTransform
{
    /// <summary>Flips with probability <paramref name="probability"/> (in [0, 1]).</summary>
    public RandomHorizontalFlip(float probability = 0.5f)
    {
        if (!(probability is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "RandomHorizontalFlip: the probability must be in [0, 1].");
        Probability = probability;
    }

    /// <summary>The chance that an image is flipped.</summary>
    public float Probability { get; }

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input) => input;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> output, RandomStream random)
    {
        image[..shape.Length].CopyTo(output);
        if (random.NextSingle() >= Probability) return;
        for (int row = 0; row < shape.Channels * shape.Height; row++) output.Slice(row * shape.Width, shape.Width).Reverse();
    }

    /// <inheritdoc/>
    public override string ToString() => $"RandomHorizontalFlip({Probability})";
}
