namespace Sprout.Kernels;

/// <summary>The cell a <see cref="Recurrence"/> runs: gates per hidden unit and what a step keeps for the backward.</summary>
internal enum RecurrentCellKind
{
    /// <summary>h′ = tanh(a): one gate.</summary>
    RnnTanh,
    /// <summary>h′ = max(a, 0): one gate.</summary>
    RnnRelu,
    /// <summary>PyTorch's GRU (r, z, n): three gates.</summary>
    Gru,
    /// <summary>PyTorch's LSTM (i, f, g, o): four gates and a cell state.</summary>
    Lstm,
}
