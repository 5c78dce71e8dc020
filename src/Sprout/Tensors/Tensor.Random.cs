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

    /// <summary>
    /// Draws <paramref name="samples"/> category indices per row of <paramref name="weights"/> ((C) or (N, C):
    /// non-negative, not necessarily summing to 1), each with probability proportional to its weight, as PyTorch's
    /// <c>torch.multinomial</c>: the book's word2vec draws negative words so, and a language model samples its next
    /// character. Without <paramref name="replacement"/> a row's indices are distinct (drawn as one after another from
    /// what is left; a row needs that many positive weights). Indices come as floats, shape (samples) or (N, samples);
    /// no gradient.
    /// </summary>
    /// <exception cref="ArgumentException">A negative, NaN or infinite weight, a row summing to 0, or too few positive weights to draw without replacement; named by row.</exception>
    public static Tensor Multinomial(Tensor weights, int samples, bool replacement = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        if (weights.Rank is not (1 or 2))
            throw new ArgumentException($"Multinomial takes weights of shape (C) or (N, C); got {weights.Shape}.", nameof(weights));
        int categories = weights.Shape[^1], rows = weights.Rank == 1 ? 1 : weights.Shape[0];
        var shape = weights.Rank == 1 ? new Shape(samples) : new Shape(rows, samples);
        if (!replacement && samples > categories)
            throw new ArgumentException($"Multinomial: {samples} samples without replacement from {categories} categories; draw at most {categories}, or pass replacement: true.", nameof(samples));
        if (weights.IsMeta) return Meta(shape);
        var y = new Tensor(shape);
        var stream = Rng.Take((long)rows * (replacement ? samples : categories));
        for (int r = 0; r < rows; r++)
        {
            var row = weights.Span.Slice(r * categories, categories);
            CheckCategoryWeights(row, r, replacement ? 1 : samples);
            var drawn = y.AsSpan().Slice(r * samples, samples);
            if (replacement) DrawWithReplacement(row, stream, drawn);
            else DrawWithoutReplacement(row, stream, drawn);
        }
        return y;
    }

    private static void CheckCategoryWeights(ReadOnlySpan<float> row, int r, int positiveNeeded)
    {
        int positive = 0;
        for (int c = 0; c < row.Length; c++)
        {
            if (!float.IsFinite(row[c]) || row[c] < 0)
                throw new ArgumentException($"Multinomial: weight {c} of row {r} is {row[c]}; weights must be finite and non-negative (probabilities, or counts).", "weights");
            if (row[c] > 0) positive++;
        }
        if (positive < positiveNeeded)
            throw new ArgumentException(
                positive == 0
                    ? $"Multinomial: row {r} has no positive weight, so there is nothing to draw; give each row at least one."
                    : $"Multinomial: row {r} has {positive} positive weights, too few for {positiveNeeded} distinct samples; draw fewer, or pass replacement: true.", "weights");
    }

    /// <summary>Each draw by the inverse of the cumulative weights (in double), a binary search per draw.</summary>
    private static void DrawWithReplacement(ReadOnlySpan<float> row, RandomStream stream, Span<float> drawn)
    {
        var cumulative = new double[row.Length];
        double total = 0;
        for (int c = 0; c < row.Length; c++) cumulative[c] = total += row[c];
        for (int i = 0; i < drawn.Length; i++)
        {
            double u = stream.NextSingle() * total;
            int low = 0, high = row.Length - 1;   // the first category whose cumulative weight exceeds u (it has a positive weight)
            while (low < high)
            {
                int mid = (low + high) >> 1;
                if (cumulative[mid] > u) high = mid;
                else low = mid + 1;
            }
            while (row[low] == 0) low--;   // only if rounding put u at the very top: the last positive weight
            drawn[i] = low;
        }
    }

    /// <summary>
    /// Distinct draws with the law of drawing one after another from what is left: the categories with the largest
    /// keys ln(u)/w (Efraimidis–Spirakis), zero weights never.
    /// </summary>
    private static void DrawWithoutReplacement(ReadOnlySpan<float> row, RandomStream stream, Span<float> drawn)
    {
        var keys = new double[row.Length];
        var order = new int[row.Length];
        for (int c = 0; c < row.Length; c++)
        {
            double u = Math.Max(stream.NextSingle(), 1e-12);
            keys[c] = row[c] > 0 ? Math.Log(u) / row[c] : double.NegativeInfinity;
            order[c] = c;
        }
        Array.Sort(keys, order);
        for (int i = 0; i < drawn.Length; i++) drawn[i] = order[row.Length - 1 - i];
    }
}
