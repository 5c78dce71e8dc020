namespace Sprout.Data;

/// <summary>
/// Sequences of different lengths as one batch, as the book's <c>truncate_pad</c> and <c>build_array_nmt</c>: each cut to
/// <c>steps</c> ids or filled up with the padding id, with its valid length — what the masked loss
/// (<c>MaskedSoftmaxCrossEntropyLoss</c>) and attention's masks take.
/// </summary>
public static class SequencePadding
{
    /// <summary>
    /// (N, steps) float ids: sequence i's first min(length, steps) ids, then <paramref name="padId"/>; and (N) valid lengths,
    /// min(length, steps) each. Append an end-of-sequence id before calling, as the book does, to keep it.
    /// </summary>
    public static (Tensor Ids, Tensor ValidLengths) PadOrTruncate(IReadOnlyList<int[]> sequences, int steps, int padId)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(padId);
        if (sequences.Count == 0) throw new ArgumentException("SequencePadding.PadOrTruncate: there are no sequences to pad; pass at least one.", nameof(sequences));
        var ids = new float[sequences.Count * steps];
        var valid = new float[sequences.Count];
        for (int i = 0; i < sequences.Count; i++)
        {
            var sequence = sequences[i] ?? throw new ArgumentException($"SequencePadding.PadOrTruncate: sequence {i} is null.", nameof(sequences));
            int kept = Math.Min(sequence.Length, steps);
            var row = ids.AsSpan(i * steps, steps);
            for (int t = 0; t < kept; t++) row[t] = sequence[t];
            row[kept..].Fill(padId);
            valid[i] = kept;
        }
        return (Tensor.FromArray(ids, sequences.Count, steps), Tensor.FromArray(valid, sequences.Count));
    }
}
