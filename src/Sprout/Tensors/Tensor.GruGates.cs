using Sprout.Kernels;

namespace Sprout;

// A GRU step's gates as one op (a cell's hand-written loop), row by row through the sequence op's cell arithmetic
// (Kernels/RecurrentUnits, with the bias already in gh), with its closed-form backward.
public sealed partial class Tensor
{
    /// <summary>
    /// h′ from a GRU step's input part <paramref name="gx"/> (N, 3H), recurrent part <paramref name="gh"/> (N, 3H), gates in
    /// PyTorch's order (r, z, n), and the state <paramref name="h"/> (N, H): r = σ(gx_r + gh_r), z = σ(gx_z + gh_z),
    /// n = tanh(gx_n + r ⊙ gh_n), h′ = (1 − z) ⊙ n + z ⊙ h.
    /// </summary>
    internal static Tensor GruGates(Tensor gx, Tensor gh, Tensor h)
    {
        int hidden = h.Shape[^1];
        if (h.Rank != 2 || gx.Shape != new Shape(h.Shape[0], 3 * hidden) || gh.Shape != gx.Shape)
            throw new ArgumentException($"GruGates: expected gates (N, 3H) and a state (N, H); got {gx.Shape}, {gh.Shape} and {h.Shape}.");
        var next = EmptyForOverwrite(h.Shape, gx.IsMeta || gh.IsMeta || h.IsMeta);
        if (next.IsMeta) return next;
        int rows = h.Shape[0], saved = RecurrentUnits.SavedWidth(RecurrentCellKind.Gru) * hidden;
        var (kept, noBias) = (new float[rows * saved], new float[3 * hidden]);
        for (int row = 0; row < rows; row++)
            RecurrentUnits.GruForward(gh.Span.Slice(row * 3 * hidden, 3 * hidden), gx.Span.Slice(row * 3 * hidden, 3 * hidden), noBias, hidden, 0,
                h.Span.Slice(row * hidden, hidden), next.AsSpan().Slice(row * hidden, hidden), kept.AsSpan(row * saved, saved));
        if (Autograd.IsRecording && (gx.RequiresGrad || gh.RequiresGrad || h.RequiresGrad))
        {
            // The three gradients come out of one pass, run once per upstream gradient.
            (Tensor Upstream, Tensor Dgx, Tensor Dgh, Tensor Dh)? last = null;
            (Tensor Dgx, Tensor Dgh, Tensor Dh) All(Tensor g)
            {
                if (last is { } done && ReferenceEquals(done.Upstream, g)) return (done.Dgx, done.Dgh, done.Dh);
                var (dgx, dgh, dh) = (Uninitialized(gx.Shape), Uninitialized(gh.Shape), new Tensor(h.Shape));
                for (int row = 0; row < rows; row++)   // dh starts at zero: the cell's carry, which becomes dh′ ⊙ z
                    RecurrentUnits.GruBackward(g.Span.Slice(row * hidden, hidden), dh.AsSpan().Slice(row * hidden, hidden), kept.AsSpan(row * saved, saved),
                        h.Span.Slice(row * hidden, hidden), hidden, 0, dgx.AsSpan().Slice(row * 3 * hidden, 3 * hidden), dgh.AsSpan().Slice(row * 3 * hidden, 3 * hidden));
                last = (g, dgx, dgh, dh);
                return (dgx, dgh, dh);
            }
            next.Record("GruGates", [gx, gh, h], [g => All(g).Dgx, g => All(g).Dgh, g => All(g).Dh]);
        }
        return next;
    }
}
