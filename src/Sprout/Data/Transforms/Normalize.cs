using System.Numerics.Tensors;

namespace Sprout.Data.Transforms;

/// <summary>(x − mean[c]) / std[c] per channel, as torchvision's <c>Normalize</c>; one value of each applies to every channel.</summary>
public sealed class Normalize : ImageTransform
{
    private readonly float[] _mean, _std;

    /// <summary>Normalizes with per-channel <paramref name="mean"/> and <paramref name="std"/> (equal lengths: one, or one per channel).</summary>
    public Normalize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Normalize: give as many means as standard deviations, at least one (got {mean.Length} and {std.Length}).");
        if (std.Any(s => !(s > 0)))
            throw new ArgumentOutOfRangeException(nameof(std), $"Normalize: every standard deviation must be positive; got [{string.Join(", ", std)}].");
        (_mean, _std) = ([.. mean], [.. std]);
    }

    /// <summary>A single mean and standard deviation for every channel.</summary>
    public Normalize(float mean, float std) : this([mean], [std]) { }

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input) =>
        _mean.Length == 1 || _mean.Length == input.Channels ? input
            : throw new ArgumentException($"Normalize: {_mean.Length} means and standard deviations given for images {input} with {input.Channels} channels; give one per channel or a single one.");

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> output, RandomStream random)
    {
        int plane = shape.Height * shape.Width;
        for (int c = 0; c < shape.Channels; c++)
        {
            int k = _mean.Length == 1 ? 0 : c;
            var dst = output.Slice(c * plane, plane);
            TensorPrimitives.Subtract(image.Slice(c * plane, plane), _mean[k], dst);
            TensorPrimitives.Multiply(dst, 1f / _std[k], dst);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Normalize([{string.Join(", ", _mean)}], [{string.Join(", ", _std)}])";
}
