using Sprout.Kernels;

namespace Sprout;

// Scaled dot-product attention as one op (Kernels/AttentionBlocks) with its own backward: per batch row and head the
// scores are formed in the weights' own block, scaled, masked and normalized in place, then mixed with V; the
// backward forms dP and dS one block at a time in per-thread scratch. Blocks run in parallel over the threads. The
// weights are recorded too (their gradient flows to Q and K), so a caller may still differentiate through them.
public sealed partial class Tensor
{
    /// <summary>Whether <see cref="FusedAttention"/> takes these operands: equal leading (batch, head) axes, no broadcasting.</summary>
    private static bool FusedAttentionFits(Tensor q, Tensor k, Tensor v, Tensor? validLengths) =>
        q.Rank >= 2 && k.Rank == q.Rank && v.Rank == q.Rank && k.Shape[^2] == v.Shape[^2]
        && Enumerable.Range(0, q.Rank - 2).All(i => q.Shape[i] == k.Shape[i] && q.Shape[i] == v.Shape[i])
        && (validLengths is null || q.Rank >= 3);

    private static (Tensor Output, Tensor Weights) FusedAttention(Tensor q, Tensor k, Tensor v, Tensor? validLengths, Tensor? mask,
        float dropout, RandomStream? random)
    {
        int tq = q.Shape[^2], tk = k.Shape[^2], d = q.Shape[^1], dv = v.Shape[^1];
        var lead = q.Shape.ToArray()[..^2];
        var scoresShape = new Shape([.. lead, tq, tk]);
        bool meta = q.IsMeta || k.IsMeta || v.IsMeta;
        var weights = EmptyForOverwrite(scoresShape, meta);
        var output = EmptyForOverwrite(new Shape([.. lead, tq, dv]), meta);
        var valid = validLengths is null ? null : ValidLengthRows(validLengths, scoresShape, "ScaledDotProductAttention");
        if (meta) return (output, weights);
        var maskBlocks = mask is null ? null : mask.Shape == new Shape(tq, tk) || mask.Shape == scoresShape ? mask : mask.BroadcastTo(scoresShape);
        var drop = dropout > 0 && Autograd.IsTraining ? DropoutMask(scoresShape, dropout, random) : null;
        int blocks = scoresShape.ElementCount / (tq * tk), perBatch = blocks / (q.Rank >= 3 ? q.Shape[0] : 1);
        float scale = 1f / MathF.Sqrt(d);

        AttentionBlocks.Block BlockAt(int i) => new(tq, tk, d, dv, scale, q.Storage!, q._offset + i * tq * d, k.Storage!, k._offset + i * tk * d,
            v.Storage!, v._offset + i * tk * dv, weights.Storage!, weights._offset + i * tq * tk);
        ReadOnlySpan<float> ValidOf(int i) => valid is null ? default : valid.AsSpan(i / perBatch * tq, tq);
        ReadOnlySpan<float> MaskOf(int i) => maskBlocks is null ? default
            : maskBlocks.Span.Slice(maskBlocks.Length == tq * tk ? 0 : i * tq * tk, tq * tk);
        ReadOnlySpan<float> DropOf(int i) => drop is null ? default : drop.Span.Slice(i * tq * tk, tq * tk);
        void EachBlock(Action<int, float[]> body) =>
            WorkerPool.ForRanges(blocks, (long)blocks * tq * tk * Math.Max(d, dv), (start, end) =>
            {
                var scratch = System.Buffers.ArrayPool<float>.Shared.Rent(AttentionBlocks.ScratchLength(tq, tk));
                try { for (int i = start; i < end; i++) body(i, scratch); }
                finally { System.Buffers.ArrayPool<float>.Shared.Return(scratch); }
            });

        var (o, oo) = (output.Storage!, output._offset);
        EachBlock((i, scratch) =>
        {
            var block = BlockAt(i);
            AttentionBlocks.Weights(block, ValidOf(i), MaskOf(i));
            AttentionBlocks.Mix(block, DropOf(i), scratch, o, oo + i * tq * dv);
        });
        if (!Autograd.IsRecording) return (output, weights);

        (Tensor Upstream, Tensor DQ, Tensor DK, Tensor DV)? last = null;
        (Tensor DQ, Tensor DK, Tensor DV) All(Tensor g)
        {
            if (last is { } done && ReferenceEquals(done.Upstream, g)) return (done.DQ, done.DK, done.DV);
            var (dq, dk, dvt) = (Uninitialized(q.Shape), Uninitialized(k.Shape), Uninitialized(v.Shape));
            EachBlock((i, scratch) => AttentionBlocks.Backward(BlockAt(i), ValidOf(i), MaskOf(i), DropOf(i), g.Storage!, g._offset + i * tq * dv,
                scratch, dq.Storage!, dk.Storage!, dvt.Storage!, i * tq * d, i * tk * d, i * tk * dv));
            last = (g, dq, dk, dvt);
            return (dq, dk, dvt);
        }
        if (q.RequiresGrad || k.RequiresGrad || v.RequiresGrad)
            output.Record("Attention", [q, k, v], [g => All(g).DQ, g => All(g).DK, g => All(g).DV]);

        (Tensor Upstream, Tensor DQ, Tensor DK)? lastScores = null;
        (Tensor DQ, Tensor DK) Scores(Tensor g)
        {
            if (lastScores is { } done && ReferenceEquals(done.Upstream, g)) return (done.DQ, done.DK);
            var (dq, dk) = (Uninitialized(q.Shape), Uninitialized(k.Shape));
            EachBlock((i, scratch) => AttentionBlocks.ScoresBackward(BlockAt(i), ValidOf(i), MaskOf(i), g.Storage!, g._offset + i * tq * tk,
                scratch, dq.Storage!, dk.Storage!, i * tq * d, i * tk * d));
            lastScores = (g, dq, dk);
            return (dq, dk);
        }
        if (q.RequiresGrad || k.RequiresGrad)
            weights.Record("AttentionWeights", [q, k], [g => Scores(g).DQ, g => Scores(g).DK]);
        return (output, weights);
    }
}
