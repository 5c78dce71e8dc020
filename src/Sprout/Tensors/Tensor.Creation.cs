namespace Sprout;

public sealed partial class Tensor
{
    /// <summary>Wraps a copy of <paramref name="data"/> with the given shape (one dimension may be -1, inferred).</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = shape.Length == 0 && data.Length != 1 ? new Shape(data.Length) : ShapeInference.Resolve(shape, data.Length, "FromArray");
        if (s.ElementCount != data.Length)
            throw new ArgumentException($"FromArray: shape {s} holds {s.ElementCount} elements but the data has {data.Length}.", nameof(data));
        return new Tensor((float[])data.Clone(), 0, s);
    }

    /// <summary>A one-element tensor of shape ().</summary>
    public static Tensor Scalar(float value) => new([value], 0, Shape.Scalar);

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(new Shape(shape));
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Shape shape) => new(RequireKnown(shape, "Zeros"));

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(new Shape(shape), 1f);
    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(Shape shape) => Full(shape, 1f);

    /// <summary>A tensor with every element <paramref name="value"/>.</summary>
    public static Tensor Full(Shape shape, float value)
    {
        var t = new Tensor(RequireKnown(shape, "Full"));
        t.AsSpan().Fill(value);
        return t;
    }

    /// <summary>The <paramref name="n"/> × <paramref name="m"/> matrix with ones on the main diagonal and zeros elsewhere (square when <paramref name="m"/> is left out).</summary>
    public static Tensor Eye(int n, int m = Shape.Unknown)
    {
        if (m == Shape.Unknown) m = n;
        if (n <= 0 || m <= 0)
            throw new ArgumentOutOfRangeException(nameof(n), $"Eye({n}, {m}): both sizes must be positive (leave the second out for a square matrix).");
        var t = new Tensor(new Shape(n, m));
        var d = t.AsSpan();
        for (int i = 0; i < Math.Min(n, m); i++) d[i * m + i] = 1f;
        return t;
    }

    /// <summary>0, 1, …, count-1 as a 1-D tensor.</summary>
    public static Tensor Arange(int count) => Arange(0, count);

    /// <summary>start, start+step, … below stop, as a 1-D tensor.</summary>
    public static Tensor Arange(float start, float stop, float step = 1f)
    {
        if (step == 0 || float.IsNaN(step))
            throw new ArgumentOutOfRangeException(nameof(step), $"Arange: step must be non-zero; got {step}.");
        int n = (int)Math.Ceiling((stop - start) / step);
        if (n <= 0)
            throw new ArgumentException($"Arange({start}, {stop}, {step}) would be empty; expected stop beyond start in the direction of step.");
        var t = new Tensor(new Shape(n));
        var s = t.AsSpan();
        for (int i = 0; i < n; i++) s[i] = start + i * step;
        return t;
    }

    /// <summary>Uniform in [0, 1), from the global seeded stream.</summary>
    public static Tensor RandomUniform(params int[] shape) => RandomUniform(new Shape(shape));

    /// <summary>Uniform in [low, high), from the global seeded stream.</summary>
    public static Tensor RandomUniform(Shape shape, float low = 0f, float high = 1f)
    {
        if (!(high > low))
            throw new ArgumentOutOfRangeException(nameof(high), $"RandomUniform needs low < high; got low={low}, high={high}.");
        var t = new Tensor(RequireKnown(shape, "RandomUniform"));
        Rng.Take(t.Length).FillUniform(t.AsSpan(), low, high);
        return t;
    }

    /// <summary>Normal samples (mean, std), from the global seeded stream.</summary>
    public static Tensor RandomNormal(params int[] shape) => RandomNormal(new Shape(shape));

    /// <summary>Normal samples (<paramref name="mean"/>, <paramref name="std"/>), from the global seeded stream.</summary>
    public static Tensor RandomNormal(Shape shape, float mean = 0f, float std = 1f)
    {
        if (!(std >= 0))
            throw new ArgumentOutOfRangeException(nameof(std), $"RandomNormal needs std >= 0; got {std}.");
        var t = new Tensor(RequireKnown(shape, "RandomNormal"));
        Rng.Take(t.Length).FillNormal(t.AsSpan(), mean, std);
        return t;
    }

    private static Shape RequireKnown(Shape shape, string op)
    {
        if (!shape.IsKnown)
            throw new ArgumentException($"{op}: shape {shape} has an unknown dimension (-1); a tensor needs every size.", nameof(shape));
        return shape;
    }
}
