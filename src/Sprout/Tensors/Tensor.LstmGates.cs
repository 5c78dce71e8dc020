using LstmGatesKernel = Sprout.Kernels.LstmGates;

namespace Sprout;

// An LSTM step's gates as one op (the loops in Kernels/LstmGates) with its closed-form backward.
public sealed partial class Tensor
{
    /// <summary>
    /// [h′ | c′] (N, 2H) from an LSTM step's summed pre-activations <paramref name="gates"/> (N, 4H), PyTorch's order
    /// (i, f, g, o), and the cell state <paramref name="c"/> (N, H): c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g), h′ = σ(o) ⊙ tanh(c′).
    /// </summary>
    internal static Tensor LstmGates(Tensor gates, Tensor c)
    {
        int hidden = c.Shape[^1];
        if (c.Rank != 2 || gates.Shape != new Shape(c.Shape[0], 4 * hidden))
            throw new ArgumentException($"LstmGates: expected gates (N, 4H) and a cell state (N, H); got {gates.Shape} and {c.Shape}.");
        var hc = EmptyForOverwrite(new Shape(c.Shape[0], 2 * hidden), gates.IsMeta || c.IsMeta);
        if (hc.IsMeta) return hc;
        var (activated, tanhC) = (new float[gates.Length], new float[c.Length]);
        LstmGatesKernel.Forward(gates.Span, c.Span, hidden, hc.AsSpan(), activated, tanhC);
        if (Autograd.IsRecording && (gates.RequiresGrad || c.RequiresGrad))
        {
            // Both gradients come out of one pass, run once per upstream gradient.
            (Tensor Upstream, Tensor Da, Tensor Dc)? last = null;
            (Tensor Da, Tensor Dc) Both(Tensor g)
            {
                if (last is { } done && ReferenceEquals(done.Upstream, g)) return (done.Da, done.Dc);
                var (da, dc) = (Uninitialized(gates.Shape), Uninitialized(c.Shape));
                LstmGatesKernel.Backward(g.Span, c.Span, activated, tanhC, hidden, da.AsSpan(), dc.AsSpan());
                last = (g, da, dc);
                return (da, dc);
            }
            hc.Record("LstmGates", [gates, c], [g => Both(g).Da, g => Both(g).Dc]);
        }
        return hc;
    }
}
