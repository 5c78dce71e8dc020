namespace Sprout;

// Random tensors beyond uniform and normal, all drawn from the global seeded counter-based stream (Rng.Take), so the
// same program with the same seed draws the same values.
public sealed partial class Tensor
{
    /// <summary>1 with probability <paramref name="p"/>, else 0, element by element.</summary>
    public static Tensor Bernoulli(Shape shape, float p)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "Bernoulli: p must be a probability in [0, 1].");
        var t = new Tensor(RequireKnown(shape, "Bernoulli"));
        var d = t.AsSpan();
        var stream = Rng.Take(d.Length);
        for (int i = 0; i < d.Length; i++) d[i] = stream.NextSingle() < p ? 1f : 0f;
        return t;
    }

    /// <summary>Whole numbers uniform in [<paramref name="low"/>, <paramref name="high"/>), as floats (exact below 2^24).</summary>
    public static Tensor RandomInt(Shape shape, int low, int high)
    {
        if (high <= low) throw new ArgumentOutOfRangeException(nameof(high), high, $"RandomInt needs low < high; got low={low}, high={high}.");
        if ((long)high - low > 1 << 24 || Math.Max(Math.Abs((long)low), Math.Abs((long)high)) > 1 << 24)
            throw new ArgumentOutOfRangeException(nameof(high), high, "RandomInt: values must stay within ±2^24 to be exact in float32.");
        var t = new Tensor(RequireKnown(shape, "RandomInt"));
        var d = t.AsSpan();
        var stream = Rng.Take(d.Length);
        for (int i = 0; i < d.Length; i++) d[i] = low + stream.NextInt32(high - low);
        return t;
    }

    /// <summary>A random ordering of 0 … n − 1, as floats (ready for <see cref="IndexSelect(int, Tensor)"/>).</summary>
    public static Tensor RandomPermutation(int n) => FromArray([.. Rng.RandomPermutation(n).Select(i => (float)i)], n);
}
