namespace Sprout.Data.Transforms;

/// <summary>The shape of one image: channels, height and width (the (C, H, W) of a sample in an (N, C, H, W) batch).</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Values in one image.</summary>
    public int Length => Channels * Height * Width;

    /// <inheritdoc/>
    public override string ToString() => $"({Channels}, {Height}, {Width})";

    /// <summary>The shape of each sample of <paramref name="images"/>, which must be (N, C, H, W).</summary>
    internal static ImageShape OfSamples(Shape images, string who) =>
        images.Rank == 4 ? new(images[1], images[2], images[3])
            : throw new ArgumentException($"{who}: images must be a batch of shape (N, C, H, W); got {images}. Add the channel axis with Reshape(N, 1, H, W).");
}
