using Sprout.Kernels;

namespace Sprout;

// An LSTM step's gates as one op (a cell's hand-written loop), row by row through the sequence op's cell arithmetic
// (Kernels/RecurrentUnits, with the whole pre-activation given), with its closed-form backward.
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
        int rows = c.Shape[0], saved = RecurrentUnits.SavedWidth(RecurrentCellKind.Lstm) * hidden;
        var (kept, zeros) = (new float[rows * saved], new float[4 * hidden]);
        for (int row = 0; row < rows; row++)
        {
            var state = hc.AsSpan().Slice(row * 2 * hidden, 2 * hidden);
            RecurrentUnits.LstmForward(gates.Span.Slice(row * 4 * hidden, 4 * hidden), zeros, zeros, hidden, 0, c.Span.Slice(row * hidden, hidden),
                state[..hidden], state[hidden..], kept.AsSpan(row * saved, saved));
        }
        if (Autograd.IsRecording && (gates.RequiresGrad || c.RequiresGrad))
        {
            // Both gradients come out of one pass, run once per upstream gradient.
            (Tensor Upstream, Tensor Da, Tensor Dc)? last = null;
            (Tensor Da, Tensor Dc) Both(Tensor g)
            {
                if (last is { } done && ReferenceEquals(done.Upstream, g)) return (done.Da, done.Dc);
                var (da, dc) = (Uninitialized(gates.Shape), new Tensor(c.Shape));
                for (int row = 0; row < rows; row++)   // dc starts at zero: the cell carry, which becomes ∂c′ ⊙ f
                {
                    var upstream = g.Span.Slice(row * 2 * hidden, 2 * hidden);
                    RecurrentUnits.LstmBackward(upstream[..hidden], upstream[hidden..], zeros.AsSpan(0, hidden), dc.AsSpan().Slice(row * hidden, hidden),
                        kept.AsSpan(row * saved, saved), c.Span.Slice(row * hidden, hidden), hidden, 0, da.AsSpan().Slice(row * 4 * hidden, 4 * hidden));
                }
                last = (g, da, dc);
                return (da, dc);
            }
            hc.Record("LstmGates", [gates, c], [g => Both(g).Da, g => Both(g).Dc]);
        }
        return hc;
    }
}
