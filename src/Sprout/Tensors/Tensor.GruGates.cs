using GruGatesKernel = Sprout.Kernels.GruGates;

namespace Sprout;

// A GRU step's gates as one op (the loops in Kernels/GruGates) with its closed-form backward: a sequence of T steps
// records T nodes instead of a dozen per step.
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
        var (r, z, n) = (new float[h.Length], new float[h.Length], new float[h.Length]);
        GruGatesKernel.Forward(gx.Span, gh.Span, h.Span, hidden, next.AsSpan(), r, z, n);
        if (Autograd.IsRecording && (gx.RequiresGrad || gh.RequiresGrad || h.RequiresGrad))
        {
            // The three gradients come out of one pass, run once per upstream gradient.
            (Tensor Upstream, Tensor Dgx, Tensor Dgh, Tensor Dh)? last = null;
            (Tensor Dgx, Tensor Dgh, Tensor Dh) All(Tensor g)
            {
                if (last is { } done && ReferenceEquals(done.Upstream, g)) return (done.Dgx, done.Dgh, done.Dh);
                var (dgx, dgh, dh) = (Uninitialized(gx.Shape), Uninitialized(gh.Shape), Uninitialized(h.Shape));
                GruGatesKernel.Backward(g.Span, gh.Span, h.Span, r, z, n, hidden, dgx.AsSpan(), dgh.AsSpan(), dh.AsSpan());
                last = (g, dgx, dgh, dh);
                return (dgx, dgh, dh);
            }
            next.Record("GruGates", [gx, gh, h], [g => All(g).Dgx, g => All(g).Dgh, g => All(g).Dh]);
        }
        return next;
    }
}
