namespace Sprout.Nn;

/// <summary>
/// An LSTM over a sequence, gates as PyTorch's (i, f, g, o): i, f, o = σ(·), g = tanh(·) of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh;
/// c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′). Forward returns the outputs and the final (h, c). The input size is inferred.
/// </summary>
public sealed class Lstm(int hidden, int layers = 1, bool bidirectional = false, float dropout = 0f, bool batchFirst = false, int inputSize = Shape.Unknown)
    : RecurrentLayer(hidden, layers, bidirectional, dropout, batchFirst, inputSize, gates: 4)
{
    private protected override bool HasCell => true;

    /// <summary>Runs the sequence from (<paramref name="h0"/>, <paramref name="c0"/>) (zeros when null); returns the outputs and the final (h, c).</summary>
    public (Tensor Output, (Tensor H, Tensor C) State) Forward(Tensor x, Tensor? h0 = null, Tensor? c0 = null)
    {
        var r = Forward([x, h0, c0]);
        return (r[0], (r[1], r[2]));
    }

    private protected override Kernels.RecurrentCellKind Kind => Kernels.RecurrentCellKind.Lstm;

    /// <summary>(h′, c′) from the summed gates (N, 4H) and the cell state.</summary>
    internal static (Tensor H, Tensor C) LstmStep(Tensor gates, Tensor c)
    {
        int hidden = c.Shape[1];
        var hc = Tensor.LstmGates(gates, c);
        return (hc.Narrow(1, 0, hidden), hc.Narrow(1, hidden, hidden));
    }
}
