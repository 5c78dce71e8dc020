namespace Sprout;

// Attention's ops: the book's masked softmax over the last axis, composed from differentiable ones, and scaled
// dot-product attention softmax(Q·Kᵀ/√d + mask)·V — one fused op (Tensor.FusedAttention.cs) for operands with equal
// batch axes, else composed through the batched GEMM (Kᵀ read in place).
public sealed partial class Tensor
{
    /// <summary>The value masked scores get: large enough to vanish in a softmax, small enough to stay finite.</summary>
    public const float MaskedScore = Kernels.AttentionBlocks.MaskedScore;

    /// <summary>
    /// Softmax over the last axis of (…, Q, K) scores keeping, for each row, only the first <paramref name="validLengths"/>
    /// keys (the book's <c>masked_softmax</c>): lengths of shape (B) apply to every query of batch row b, of shape (B, Q)
    /// to each query; null keeps all. Masked keys get weight 0. A row whose valid length is 0 is fully masked and gets
    /// uniform weights (1/K each), as in the book: defined, never NaN.
    /// </summary>
    public Tensor MaskedSoftmax(Tensor? validLengths)
    {
        if (validLengths is null) return Softmax(-1);
        if (Rank < 2) throw new ArgumentException($"MaskedSoftmax needs scores of shape (…, queries, keys); got {Shape}.");
        return MaskedFill(ValidLengthMask(validLengths, Shape), MaskedScore).Softmax(-1);
    }

    /// <summary>
    /// 1 where key j is at or beyond the valid length of its row, for scores of <paramref name="scores"/>' shape: (B, …, Q, K)
    /// with lengths (B) or (B, Q). No gradient.
    /// </summary>
    internal static Tensor ValidLengthMask(Tensor validLengths, Shape scores)
    {
        var rows = ValidLengthRows(validLengths, scores, "MaskedSoftmax");
        var mask = new Tensor(scores);
        if (mask.IsMeta || validLengths.IsMeta) return mask;
        int b = scores[0], q = scores[^2], k = scores[^1], middle = scores.ElementCount / (b * q * k);
        var m = mask.AsSpan();
        for (int i = 0; i < b; i++)
            for (int h = 0; h < middle; h++)
                for (int r = 0; r < q; r++)
                {
                    var row = m.Slice(((i * middle + h) * q + r) * k, k);
                    for (int j = 0; j < k; j++) row[j] = j >= rows[i * q + r] ? 1f : 0f;
                }
        return mask;
    }

    /// <summary>
    /// Each query row's valid key count, (B·Tq), from lengths (B) — the same for every query of batch row b — or (B, Tq),
    /// for scores (B, …, Tq, Tk); <paramref name="op"/> names the caller in the error.
    /// </summary>
    private static float[] ValidLengthRows(Tensor validLengths, Shape scores, string op)
    {
        int b = scores[0], q = scores[^2];
        bool perQuery = validLengths.Rank == 2;
        if (!(validLengths.Rank == 1 && validLengths.Length == b) && !(perQuery && validLengths.Shape[0] == b && validLengths.Shape[1] == q))
            throw new ArgumentException($"{op}: valid lengths of shape {validLengths.Shape} do not fit scores of shape {scores}; expected ({b},) or ({b}, {q}).");
        var rows = new float[b * q];
        if (validLengths.IsMeta) return rows;
        var lengths = validLengths.Span;
        for (int i = 0; i < b; i++)
            for (int r = 0; r < q; r++) rows[i * q + r] = perQuery ? lengths[i * q + r] : lengths[i];
        return rows;
    }

    /// <summary>1 where key j comes after query i (j &gt; i): the causal mask of a decoder, (Q, K); no gradient.</summary>
    public static Tensor CausalMask(int queries, int keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keys);
        var mask = new Tensor(new Shape(queries, keys));
        var m = mask.AsSpan();
        for (int i = 0; i < queries; i++)
            for (int j = i + 1; j < keys; j++) m[i * keys + j] = 1f;
        return mask;
    }

    /// <summary>
    /// softmax(Q·Kᵀ/√d, masked)·V for Q (…, Tq, d), K (…, Tk, d), V (…, Tk, dv): keys beyond <paramref name="validLengths"/>
    /// and where <paramref name="mask"/> (broadcast to the scores) is non-zero get weight 0; <paramref name="dropout"/>
    /// zeroes attention weights while training (and rescales the rest). Returns the output and the weights.
    /// </summary>
    public static (Tensor Output, Tensor Weights) ScaledDotProductAttention(Tensor queries, Tensor keys, Tensor values,
        Tensor? validLengths = null, Tensor? mask = null, float dropout = 0f, RandomStream? random = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (queries.Shape[^1] != keys.Shape[^1])
            throw new ArgumentException($"ScaledDotProductAttention: queries {queries.Shape} and keys {keys.Shape} must share their last (feature) size.");
        if (FusedAttentionFits(queries, keys, values, validLengths)) return FusedAttention(queries, keys, values, validLengths, mask, dropout, random);
        // Operands whose batch axes broadcast: the same arithmetic composed from ops.
        var scores = MatMul(queries, keys, transposeB: true) * (1f / MathF.Sqrt(queries.Shape[^1]));
        if (validLengths is not null) scores = scores.MaskedFill(ValidLengthMask(validLengths, scores.Shape), MaskedScore);
        if (mask is not null) scores = scores.MaskedFill(mask, MaskedScore);
        var weights = scores.Softmax(-1);
        var used = dropout > 0 && Autograd.IsTraining && !weights.IsMeta ? weights * DropoutMask(weights.Shape, dropout, random) : weights;
        return (MatMul(used, values), weights);
    }

    /// <summary>0 with probability <paramref name="rate"/>, else 1/(1 − rate).</summary>
    internal static Tensor DropoutMask(Shape shape, float rate, RandomStream? random)
    {
        var mask = new Tensor(shape);
        var m = mask.AsSpan();
        (random ?? Rng.Take(m.Length)).FillUniform(m);
        float keep = 1f / (1f - rate);
        for (int i = 0; i < m.Length; i++) m[i] = m[i] < rate ? 0f : keep;
        return mask;
    }
}
