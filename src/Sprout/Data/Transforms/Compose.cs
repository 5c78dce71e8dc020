using System.Buffers;

namespace Sprout.Data.Transforms;

/// <summary>Transforms applied one after another (each to the previous one's output), as torchvision's <c>Compose</c>.</summary>
public sealed class Compose : ImageTransform
{
    private readonly ImageTransform[] _steps;

    /// <summary>A pipeline of <paramref name="steps"/>, applied in order.</summary>
    public Compose(params ImageTransform[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Length == 0) throw new ArgumentException("Compose: give at least one transform.", nameof(steps));
        for (int i = 0; i < steps.Length; i++)
            if (steps[i] is null) throw new ArgumentNullException(nameof(steps), $"Compose: transform {i} is null.");
        _steps = [.. steps];
    }

    /// <summary>The transforms, in the order they run.</summary>
    public IReadOnlyList<ImageTransform> Steps => _steps;

    /// <inheritdoc/>
    public override ImageShape OutputShape(ImageShape input)
    {
        foreach (var step in _steps) input = step.OutputShape(input);
        return input;
    }

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> image, ImageShape shape, Span<float> output, RandomStream random)
    {
        if (_steps.Length == 1) { _steps[0].Apply(image, shape, output, random); return; }
        // Two pooled buffers that the steps alternate between; the last step writes to the output.
        int largest = 0;
        var at = shape;
        foreach (var step in _steps) largest = Math.Max(largest, (at = step.OutputShape(at)).Length);
        var (a, b) = (ArrayPool<float>.Shared.Rent(largest), ArrayPool<float>.Shared.Rent(largest));
        try
        {
            ReadOnlySpan<float> current = image;
            for (int i = 0; i < _steps.Length; i++)
            {
                var next = _steps[i].OutputShape(shape);
                var target = i == _steps.Length - 1 ? output : (i % 2 == 0 ? a : b).AsSpan(0, next.Length);
                _steps[i].Apply(current, shape, target, random);
                current = target;
                shape = next;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(a);
            ArrayPool<float>.Shared.Return(b);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Compose({string.Join(", ", _steps.Select(s => s.ToString()))})";
}
