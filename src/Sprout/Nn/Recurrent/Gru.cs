namespace Sprout.Nn;

/// <summary>
/// A GRU over a sequence, gates as PyTorch's (r, z, n): r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r ⊙ h_n),
/// h′ = (1 − z) ⊙ n + z ⊙ h, where x_· = x·W_iᵀ + b_i and h_· = h·W_hᵀ + b_h. The input size is inferred.
/// </summary>
public sealed class Gru(int hidden, int layers = 1, bool bidirectional = false, float dropout = 0f, bool batchFirst = false, int inputSize = Shape.Unknown)
    : RecurrentLayer(hidden, layers, bidirectional, dropout, batchFirst, inputSize, gates: 3)
{
    /// <summary>Runs the sequence from <paramref name="state"/> (zeros when null); returns the outputs and the final state.</summary>
    public (Tensor Output, Tensor State) Forward(Tensor x, Tensor? state)
    {
        var r = Forward([x, state]);
        return (r[0], r[1]);
    }

    private protected override Kernels.RecurrentCellKind Kind => Kernels.RecurrentCellKind.Gru;

    /// <summary>h′ from the input part <paramref name="gx"/> and the recurrent part <paramref name="gh"/> of the three gates.</summary>
    internal static Tensor GruStep(Tensor gx, Tensor gh, Tensor h) => Tensor.GruGates(gx, gh, h);
}
