using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>
/// A recurrent layer's whole sequence in one direction, forward and backward through time, given the input part of the
/// gates for every step (gx: T × N × gates·H, one product made beforehand). Each step is h_{t−1}·W_hhᵀ and the cell
/// arithmetic; the hidden units are split into one block per thread, and each thread owns its block's columns of the
/// recurrent weights — packed once per sequence and kept in its cache — the product for them and the cell arithmetic
/// after it, so a step costs one fork–join and allocates nothing. Backward through time needs only dA_t·W_hh per
/// step; the weight gradient is one product over all steps afterwards. States are written time-major into seq
/// (T × N × S: S = H, or 2·H for an LSTM's [h | c]); in reverse, step s runs at time T − 1 − s. Working arrays come
/// from the shared array pool and go back after each call.
/// </summary>
internal sealed unsafe class Recurrence
{
    private readonly RecurrentCellKind _kind;
    private readonly int _steps, _batch, _hidden, _gates, _width, _saved;
    private readonly bool _reverse;
    private readonly (int U0, int Len)[] _parts;
    private readonly Action<int> _forwardPart, _backwardPart;
    private Part[] _state = [];
    private Operands _io;
    private Gradients _grads;
    private int _step;

    public Recurrence(RecurrentCellKind kind, int steps, int batch, int hidden, bool reverse, int threads)
    {
        (_kind, _steps, _batch, _hidden, _reverse) = (kind, steps, batch, hidden, reverse);
        _gates = RecurrentUnits.Gates(kind);
        _width = kind == RecurrentCellKind.Lstm ? 2 * hidden : hidden;
        _saved = RecurrentUnits.SavedWidth(kind) * hidden;
        _parts = Split(hidden, (long)batch * _gates * hidden * hidden < WorkerPool.MinParallelWork * 4 ? 1 : threads);
        (_forwardPart, _backwardPart) = (ForwardPart, BackwardPart);
    }

    /// <summary>Floats per (step, row) of the states (H, or 2·H for an LSTM).</summary>
    public int StateWidth => _width;
    /// <summary>Floats a forward keeps for the backward.</summary>
    public int SavedLength => _steps * _batch * _saved;

    /// <summary>The arrays of one call, each a segment of its storage; <paramref name="ZeroStart"/>: H0 is all zeros.</summary>
    public readonly record struct Operands(ArraySegment<float> Gx, ArraySegment<float> WeightHh, ArraySegment<float> BiasHh,
        ArraySegment<float> H0, ArraySegment<float> C0, ArraySegment<float> Seq, ArraySegment<float> Saved, bool ZeroStart);

    /// <summary>
    /// The gradients a backward writes: of gx (and, for a GRU, of the recurrent part), the initial state and W_hh, b_hh.
    /// When <paramref name="InitialHidden"/> is false nothing reads DH0, and the product that forms it is skipped (DH0 is zeros).
    /// </summary>
    public readonly record struct Gradients(ArraySegment<float> DSeq, ArraySegment<float> Dgx, ArraySegment<float> Dgh,
        ArraySegment<float> DH0, ArraySegment<float> DC0, ArraySegment<float> DWeightHh, ArraySegment<float> DBiasHh, bool InitialHidden = true);

    /// <summary>Runs the sequence: fills Seq and Saved.</summary>
    public void Forward(Operands io)
    {
        _io = io;
        _state = CreateParts(forward: true);
        try
        {
            for (_step = 0; _step < _steps; _step++) WorkerPool.For(_parts.Length, _forwardPart);
        }
        finally { Release(); }
    }

    /// <summary>Back through time from dSeq, with the Operands of the forward.</summary>
    public void Backward(Operands io, Gradients grads)
    {
        _io = io;
        _grads = grads;
        _state = CreateParts(forward: false);
        try
        {
            for (_step = _steps - 1; _step >= -1; _step--) WorkerPool.For(_parts.Length, _backwardPart);
        }
        finally { Release(); }
        WeightGradients(grads);
    }

    private int TimeOf(int step) => _reverse ? _steps - 1 - step : step;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardPart(int p)
    {
        var (u0, len) = _parts[p];
        var part = _state[p];
        int t = TimeOf(_step), gh = _gates * _hidden;
        bool first = _step == 0;
        int prevRow0 = first ? 0 : TimeOf(_step - 1) * _batch;
        if (first && _io.ZeroStart) part.Product.AsSpan(0, _batch * _gates * len).Clear();   // h0·W_hhᵀ = 0
        else
            fixed (float* h0 = _io.H0.Array, seq = _io.Seq.Array, s = part.Product, scratch = part.Scratch)
            {
                float* hPrev = first ? h0 + _io.H0.Offset : seq + _io.Seq.Offset + (long)prevRow0 * _width;
                part.Weights.Multiply(_batch, hPrev, first ? _hidden : _width, s, _gates * len, 0f, scratch);
            }
        for (int row = 0; row < _batch; row++)
        {
            int at = t * _batch + row;
            var sRow = part.Product.AsSpan(row * _gates * len, _gates * len);
            ReadOnlySpan<float> gx = _io.Gx.AsSpan(at * gh, gh), b = _io.BiasHh.AsSpan(0, gh);
            var state = _io.Seq.AsSpan(at * _width, _width);
            switch (_kind)
            {
                case RecurrentCellKind.Lstm:
                    ReadOnlySpan<float> cPrev = first ? _io.C0.AsSpan(row * _hidden + u0, len) : _io.Seq.AsSpan((prevRow0 + row) * _width + _hidden + u0, len);
                    RecurrentUnits.LstmForward(sRow, gx, b, _hidden, u0, cPrev, state.Slice(u0, len), state.Slice(_hidden + u0, len), _io.Saved.AsSpan(at * _saved, _saved));
                    break;
                case RecurrentCellKind.Gru:
                    RecurrentUnits.GruForward(sRow, gx, b, _hidden, u0, PreviousH(first, prevRow0, row, u0, len), state.Slice(u0, len), _io.Saved.AsSpan(at * _saved, _saved));
                    break;
                default:
                    RecurrentUnits.RnnForward(_kind == RecurrentCellKind.RnnRelu, sRow, gx, b, u0, state.Slice(u0, len));
                    break;
            }
        }
    }

    private ReadOnlySpan<float> PreviousH(bool first, int prevRow0, int row, int u0, int len) =>
        first ? _io.H0.AsSpan(row * _hidden + u0, len) : _io.Seq.AsSpan((prevRow0 + row) * _width + u0, len);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BackwardPart(int p)
    {
        var (u0, len) = _parts[p];
        var part = _state[p];
        int gh = _gates * _hidden;
        var upstream = _kind == RecurrentCellKind.Gru ? _grads.Dgh : _grads.Dgx;
        if (_step < _steps - 1 && (_step >= 0 || _grads.InitialHidden))
            fixed (float* dA = upstream.Array, carry = part.CarryH, scratch = part.Scratch)
                part.Weights.Multiply(_batch, dA + upstream.Offset + (long)TimeOf(_step + 1) * _batch * gh, gh, carry, len,
                    _kind == RecurrentCellKind.Gru ? 1f : 0f, scratch);
        if (_step < 0)
        {
            for (int row = 0; row < _batch; row++)
            {
                var dh0 = _grads.DH0.AsSpan(row * _hidden + u0, len);
                if (_grads.InitialHidden) part.CarryH.AsSpan(row * len, len).CopyTo(dh0);
                else dh0.Clear();
                if (_kind == RecurrentCellKind.Lstm) part.CarryC.AsSpan(row * len, len).CopyTo(_grads.DC0.AsSpan(row * _hidden + u0, len));
            }
            return;
        }
        int t = TimeOf(_step);
        bool first = _step == 0;
        int prevRow0 = first ? 0 : TimeOf(_step - 1) * _batch;
        for (int row = 0; row < _batch; row++)
        {
            int at = t * _batch + row;
            var dy = _grads.DSeq.AsSpan(at * _width, _width);
            var carry = part.CarryH.AsSpan(row * len, len);
            switch (_kind)
            {
                case RecurrentCellKind.Lstm:
                    ReadOnlySpan<float> cPrev = first ? _io.C0.AsSpan(row * _hidden + u0, len) : _io.Seq.AsSpan((prevRow0 + row) * _width + _hidden + u0, len);
                    RecurrentUnits.LstmBackward(dy.Slice(u0, len), dy.Slice(_hidden + u0, len), carry, part.CarryC.AsSpan(row * len, len),
                        _io.Saved.AsSpan(at * _saved, _saved), cPrev, _hidden, u0, _grads.Dgx.AsSpan(at * gh, gh));
                    break;
                case RecurrentCellKind.Gru:
                    RecurrentUnits.GruBackward(dy.Slice(u0, len), carry, _io.Saved.AsSpan(at * _saved, _saved), PreviousH(first, prevRow0, row, u0, len),
                        _hidden, u0, _grads.Dgx.AsSpan(at * gh, gh), _grads.Dgh.AsSpan(at * gh, gh));
                    break;
                default:
                    RecurrentUnits.RnnBackward(_kind == RecurrentCellKind.RnnRelu, dy.Slice(u0, len), carry, _io.Seq.AsSpan(at * _width + u0, len), u0,
                        _grads.Dgx.AsSpan(at * gh, gh));
                    break;
            }
        }
    }

    /// <summary>
    /// dW_hh = Σ_t dA_tᵀ·h_{t−1} as one product over all steps but the first (whose previous state is h0), then that
    /// one unless h0 is zeros; db_hh = Σ dA_t.
    /// </summary>
    private void WeightGradients(Gradients grads)
    {
        var dA = _kind == RecurrentCellKind.Gru ? grads.Dgh : grads.Dgx;
        int gh = _gates * _hidden, rows = (_steps - 1) * _batch;
        // Forward in time, step t ≥ 1 follows state t − 1: dA rows from N on, states from row 0. In reverse, step t < T − 1
        // follows state t + 1: dA from row 0, states from row N.
        int firstStepRow = _reverse ? rows : 0;
        if (rows > 0)
            Gemm.Multiply(true, false, gh, _hidden, rows, 1f, dA.Array!, dA.Offset + (_reverse ? 0 : _batch * gh), gh,
                _io.Seq.Array!, _io.Seq.Offset + (_reverse ? _batch * _width : 0), _width, 0f, grads.DWeightHh.Array!, grads.DWeightHh.Offset, _hidden);
        if (!_io.ZeroStart)
            Gemm.Multiply(true, false, gh, _hidden, _batch, 1f, dA.Array!, dA.Offset + firstStepRow * gh, gh,
                _io.H0.Array!, _io.H0.Offset, _hidden, rows > 0 ? 1f : 0f, grads.DWeightHh.Array!, grads.DWeightHh.Offset, _hidden);
        else if (rows == 0) grads.DWeightHh.AsSpan().Clear();
        var db = grads.DBiasHh.AsSpan(0, gh);
        db.Clear();
        for (int r = 0; r < _steps * _batch; r++) TensorPrimitives.Add(db, dA.AsSpan(r * gh, gh), db);
    }

    /// <summary>Per thread: its block of the weights, packed (W_hhᵀ's columns for the forward, W_hh's for the backward), and its buffers.</summary>
    private Part[] CreateParts(bool forward)
    {
        var parts = new Part[_parts.Length];
        var kernel = Gemm.Kernel;
        var w = _io.WeightHh;
        for (int p = 0; p < parts.Length; p++)
        {
            var (u0, len) = _parts[p];
            PackedOperand weights;
            if (forward)
            {
                // The rows of W_hh for this block's units, gate by gate: op(B) = their transpose, H × gates·len.
                var rowsOfBlock = Rent(_gates * len * _hidden);
                for (int g = 0; g < _gates; g++)
                    w.AsSpan((g * _hidden + u0) * _hidden, len * _hidden).CopyTo(rowsOfBlock.AsSpan(g * len * _hidden));
                weights = new PackedOperand(kernel, trans: true, rowsOfBlock, 0, _hidden, _hidden, _gates * len);
                ArrayPool<float>.Shared.Return(rowsOfBlock);
            }
            else weights = new PackedOperand(kernel, trans: false, w.Array!, w.Offset + u0, _hidden, _gates * _hidden, len);
            parts[p] = new Part(weights, Rent(weights.ScratchLength),
                forward ? Rent(_batch * _gates * len) : [],
                forward ? [] : Cleared(_batch * len),
                forward || _kind != RecurrentCellKind.Lstm ? [] : Cleared(_batch * len));
        }
        return parts;
    }

    private void Release()
    {
        foreach (var part in _state)
        {
            part.Weights.Dispose();
            foreach (var array in new[] { part.Scratch, part.Product, part.CarryH, part.CarryC })
                if (array.Length > 0) ArrayPool<float>.Shared.Return(array);
        }
        _state = [];
    }

    private static float[] Rent(int length) => ArrayPool<float>.Shared.Rent(length);

    private static float[] Cleared(int length)
    {
        var array = Rent(length);
        array.AsSpan(0, length).Clear();
        return array;
    }

    /// <summary>
    /// Up to <paramref name="threads"/> blocks of units, each a multiple of 16 wide (a cache line of floats) but the last,
    /// none under 32.
    /// </summary>
    private static (int U0, int Len)[] Split(int hidden, int threads)
    {
        int parts = Math.Max(1, Math.Min(threads, hidden / 32));
        var blocks = new (int, int)[parts];
        for (int p = 0; p < parts; p++)
        {
            int start = hidden * p / parts / 16 * 16, end = p == parts - 1 ? hidden : hidden * (p + 1) / parts / 16 * 16;
            blocks[p] = (start, end - start);
        }
        return blocks;
    }

    private sealed record Part(PackedOperand Weights, float[] Scratch, float[] Product, float[] CarryH, float[] CarryC);
}
