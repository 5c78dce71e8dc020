namespace Sprout.Nn;

/// <summary>
/// An Elman RNN over a sequence: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act tanh (or ReLU). Forward returns
/// the outputs (T, N, D·H) and the final state (L·D, N, H); the initial state defaults to zeros.
/// </summary>
public sealed class Rnn(int hidden, int layers = 1, Activation activation = Activation.Tanh, bool bidirectional = false, float dropout = 0f,
    bool batchFirst = false, int inputSize = Shape.Unknown) : RecurrentLayer(hidden, layers, bidirectional, dropout, batchFirst, inputSize, gates: 1)
{
    /// <summary>tanh or ReLU.</summary>
    public Activation Activation { get; } = activation is Activation.Tanh or Activation.Relu ? activation
        : throw new ArgumentOutOfRangeException(nameof(activation), activation, "An Rnn's activation is Tanh or Relu.");

    /// <summary>Runs the sequence from <paramref name="state"/> (zeros when null); returns the outputs and the final state.</summary>
    public (Tensor Output, Tensor State) Forward(Tensor x, Tensor? state)
    {
        var r = Forward([x, state]);
        return (r[0], r[1]);
    }

    private protected override Kernels.RecurrentCellKind Kind =>
        Activation == Activation.Relu ? Kernels.RecurrentCellKind.RnnRelu : Kernels.RecurrentCellKind.RnnTanh;
}
