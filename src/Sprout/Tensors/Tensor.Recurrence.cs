using Sprout.Kernels;

namespace Sprout;

// A recurrent layer's whole sequence in one direction as one op (Kernels/Recurrence) with its backward through time:
// one tape node per layer and direction instead of one per step.
public sealed partial class Tensor
{
    /// <summary>
    /// The states of a cell run over a sequence: from the input part of the gates <paramref name="gx"/> (T, N, gates·H),
    /// already x·W_ihᵀ + b_ih, the recurrent weights (gates·H, H) and bias, and the initial state <paramref name="h0"/>
    /// (N, H) (and <paramref name="c0"/> for an LSTM): (T, N, H) hidden states in time order, or (T, N, 2H) [h | c] for
    /// an LSTM. In <paramref name="reverse"/>, the sequence runs from the last step to the first. The hidden units are
    /// split over <paramref name="threads"/> (0: <see cref="Threads.Count"/>); the result does not depend on it.
    /// </summary>
    internal static Tensor Recurrence(RecurrentCellKind kind, Tensor gx, Tensor weightHh, Tensor biasHh, Tensor h0, Tensor? c0, bool reverse, int threads = 0)
    {
        int hidden = h0.Shape[^1], gates = RecurrentUnits.Gates(kind);
        bool lstm = kind == RecurrentCellKind.Lstm;
        if (gx.Rank != 3 || h0.Rank != 2 || gx.Shape[1] != h0.Shape[0] || gx.Shape[2] != gates * hidden
            || weightHh.Shape != new Shape(gates * hidden, hidden) || biasHh.Shape != new Shape(gates * hidden)
            || (lstm ? c0 is null || c0.Shape != h0.Shape : c0 is not null))
            throw new ArgumentException($"Recurrence ({kind}): expected gates (T, N, {gates}·H), W_hh ({gates}·H, H), b_hh ({gates}·H) and state(s) (N, H); " +
                $"got {gx.Shape}, {weightHh.Shape}, {biasHh.Shape}, {h0.Shape}{(c0 is null ? "" : $" and {c0.Shape}")}.");
        int steps = gx.Shape[0], batch = gx.Shape[1];
        var run = new Recurrence(kind, steps, batch, hidden, reverse, threads > 0 ? threads : Threads.Count);
        var stateShape = new Shape(steps, batch, run.StateWidth);
        if (gx.IsMeta || weightHh.IsMeta || h0.IsMeta) return Meta(stateShape);
        // The threads write interleaved blocks of units in each row of the states, the saved values and the gate
        // gradients: arrays that start on a cache line keep each line to one thread.
        var seq = UninitializedAligned(stateShape);
        // What the steps keep for the backward: pooled, and given back once the backward has run (the tape is used once).
        var (savedArray, savedOffset) = StoragePool.RentAligned(Math.Max(run.SavedLength, 1));
        float[]? saved = savedArray;
        // A zero initial state (the default) contributes nothing to the first step's product or to dW_hh.
        bool zeroStart = !h0.AsSpan().ContainsAnyExcept(0f);
        var io = new Recurrence.Operands(gx.Segment, weightHh.Segment, biasHh.Segment, h0.Segment, c0?.Segment ?? default, seq.Segment,
            new ArraySegment<float>(savedArray, savedOffset, run.SavedLength), zeroStart);
        run.Forward(io);
        Tensor[] inputs = c0 is null ? [gx, weightHh, biasHh, h0] : [gx, weightHh, biasHh, h0, c0];
        if (!Autograd.IsRecording || !inputs.Any(t => t.RequiresGrad))
        {
            StoragePool.Return(saved);
            return seq;
        }
        // Every gradient comes out of one pass back through time, run once per upstream gradient.
        (Tensor Upstream, Tensor[] Grads)? last = null;
        Tensor[] All(Tensor g)
        {
            if (last is { } done && ReferenceEquals(done.Upstream, g)) return done.Grads;
            if (saved is null) throw new InvalidOperationException("Recurrence: this sequence's backward has already run; record the forward again to differentiate it again.");
            var (dgx, dw, db, dh0) = (UninitializedAligned(gx.Shape), Uninitialized(weightHh.Shape), Uninitialized(biasHh.Shape), Uninitialized(h0.Shape));
            var dgh = kind == RecurrentCellKind.Gru ? UninitializedAligned(gx.Shape) : dgx;
            var dc0 = c0 is null ? null : Uninitialized(c0.Shape);
            run.Backward(io, new Recurrence.Gradients(g.Segment, dgx.Segment, dgh.Segment, dh0.Segment, dc0?.Segment ?? default, dw.Segment, db.Segment,
                InitialHidden: h0.RequiresGrad));
            StoragePool.Return(saved);
            saved = null;
            Tensor[] grads = dc0 is null ? [dgx, dw, db, dh0] : [dgx, dw, db, dh0, dc0];
            last = (g, grads);
            return grads;
        }
        var rules = new Func<Tensor, Tensor>[inputs.Length];
        for (int i = 0; i < rules.Length; i++)
        {
            int index = i;
            rules[i] = g => All(g)[index];
        }
        seq.Record("Recurrence", inputs, rules);
        return seq;
    }

    /// <summary>The storage this tensor's elements occupy.</summary>
    internal ArraySegment<float> Segment => new(Storage!, _offset, Length);
}
