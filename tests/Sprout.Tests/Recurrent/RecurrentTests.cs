using Sprout.Init;
using Sprout.Training;
using Sprout.Tests.Autograd;
using Sprout.Nn;
using Sprout.Kernels;

namespace Sprout.Tests.Recurrent;

/// <summary>RNN, GRU and LSTM layers and cells against references written from PyTorch's equations, in double precision.</summary>
public class RecurrentTests
{
    public RecurrentTests() => Rng.Seed(18);

    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>One direction of one layer, from the equations: x (T, N, C) → outputs (T, N, H).</summary>
    private static double[,,] Reference(string kind, float[] x, int steps, int batch, int inputs, int hidden,
        float[] wih, float[] whh, float[] bih, float[] bhh, bool reverse = false)
    {
        int gates = kind switch { "rnn" => 1, "gru" => 3, _ => 4 };
        var h = new double[batch, hidden];
        var c = new double[batch, hidden];
        var outputs = new double[steps, batch, hidden];
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            var next = new double[batch, hidden];
            for (int n = 0; n < batch; n++)
            {
                var gx = new double[gates * hidden];
                var gh = new double[gates * hidden];
                for (int g = 0; g < gates * hidden; g++)
                {
                    gx[g] = bih[g];
                    for (int k = 0; k < inputs; k++) gx[g] += wih[g * inputs + k] * x[(t * batch + n) * inputs + k];
                    gh[g] = bhh[g];
                    for (int k = 0; k < hidden; k++) gh[g] += whh[g * hidden + k] * h[n, k];
                }
                for (int j = 0; j < hidden; j++)
                {
                    switch (kind)
                    {
                        case "rnn": next[n, j] = Math.Tanh(gx[j] + gh[j]); break;
                        case "gru":
                            double r = Sigmoid(gx[j] + gh[j]), z = Sigmoid(gx[hidden + j] + gh[hidden + j]);
                            double cand = Math.Tanh(gx[2 * hidden + j] + r * gh[2 * hidden + j]);
                            next[n, j] = (1 - z) * cand + z * h[n, j];
                            break;
                        default:
                            double i = Sigmoid(gx[j] + gh[j]), f = Sigmoid(gx[hidden + j] + gh[hidden + j]);
                            double g = Math.Tanh(gx[2 * hidden + j] + gh[2 * hidden + j]), o = Sigmoid(gx[3 * hidden + j] + gh[3 * hidden + j]);
                            c[n, j] = f * c[n, j] + i * g;
                            next[n, j] = o * Math.Tanh(c[n, j]);
                            break;
                    }
                }
            }
            h = next;
            for (int n = 0; n < batch; n++)
                for (int j = 0; j < hidden; j++) outputs[t, n, j] = h[n, j];
        }
        return outputs;
    }

    public static TheoryData<string> Kinds() => ["rnn", "gru", "lstm"];

    private static RecurrentLayer Make(string kind, int hidden, int layers = 1, bool bidirectional = false, bool batchFirst = false) => kind switch
    {
        "rnn" => new Rnn(hidden, layers, bidirectional: bidirectional, batchFirst: batchFirst),
        "gru" => new Gru(hidden, layers, bidirectional, batchFirst: batchFirst),
        _ => new Lstm(hidden, layers, bidirectional, batchFirst: batchFirst),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Layers_infer_their_input_size_and_match_the_equations_both_directions(string kind)
    {
        var layer = Make(kind, hidden: 4, bidirectional: true);
        layer.Initialize(new Uniform(0.5f));
        var x = R(5, 2, 3);
        var outputs = layer.Forward([x]);
        int gates = kind switch { "rnn" => 1, "gru" => 3, _ => 4 };
        var p = layer.CollectParams();
        Assert.Equal(new Shape(gates * 4, 3), p["weight_ih_l0"].Shape);
        Assert.Equal(new Shape(gates * 4, 3), p["weight_ih_l0_reverse"].Shape);
        Assert.Equal(new Shape(5, 2, 8), outputs[0].Shape);
        Assert.Equal(new Shape(2, 2, 4), outputs[1].Shape);
        var y = outputs[0].ToArray();
        foreach (var (direction, suffix) in new[] { (0, ""), (1, "_reverse") })
        {
            var reference = Reference(kind, x.ToArray(), 5, 2, 3, 4, p[$"weight_ih_l0{suffix}"].Data().ToArray(), p[$"weight_hh_l0{suffix}"].Data().ToArray(),
                p[$"bias_ih_l0{suffix}"].Data().ToArray(), p[$"bias_hh_l0{suffix}"].Data().ToArray(), reverse: direction == 1);
            for (int t = 0; t < 5; t++)
                for (int n = 0; n < 2; n++)
                    for (int j = 0; j < 4; j++)
                        Assert.Equal(reference[t, n, j], y[(t * 2 + n) * 8 + direction * 4 + j], 5);
            int last = direction == 0 ? 4 : 0;
            for (int n = 0; n < 2; n++)
                for (int j = 0; j < 4; j++) Assert.Equal(reference[last, n, j], outputs[1].ToArray()[(direction * 2 + n) * 4 + j], 5);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Gradients_through_time_match_finite_differences(string kind)
    {
        var layer = Make(kind, hidden: 3, layers: 2);
        layer.Initialize(new Uniform(0.5f));
        layer.Forward([R(4, 2, 2)]);
        GradCheck.Assert(x => layer.Forward([x[0], x[1]])[0], R(4, 2, 2), R(2, 2, 3));
    }

    [Fact]
    public void Stacked_batch_first_layers_take_and_return_states_and_check_their_shapes()
    {
        var lstm = new Lstm(hidden: 5, layers: 2, batchFirst: true);
        lstm.Initialize();
        var (y, (h, c)) = lstm.Forward(R(3, 7, 4));
        Assert.Equal(new Shape(3, 7, 5), y.Shape);
        Assert.Equal(new Shape(2, 3, 5), h.Shape);
        Assert.Equal(new Shape(2, 3, 5), c.Shape);
        Assert.Equal(new Shape(20, 5), lstm.CollectParams()["weight_ih_l1"].Shape);   // layer 1 takes layer 0's outputs
        var (_, (h2, _)) = lstm.Forward(R(3, 7, 4), h, c);   // the state carries on
        Assert.Equal(h.Shape, h2.Shape);
        var e = Assert.Throws<ArgumentException>(() => lstm.Forward(R(3, 7, 4), Tensor.Zeros(1, 3, 5), null));
        Assert.Contains("expected (2, 3, 5)", e.Message);
        var mismatch = Assert.Throws<ShapeMismatchException>(() => lstm.Forward(R(3, 7, 6)));
        Assert.Contains("expects 4", mismatch.Message);
        Assert.Equal("Lstm(4 -> 5, layers=2, batch_first)", lstm.ToString());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_sequence_layer_refuses_an_input_that_is_not_a_sequence_naming_itself_and_the_shape(string kind)
    {
        var net = new Sequential { new Dense(4), Make(kind, hidden: 3, layers: 1) };
        net.Initialize();
        foreach (var shape in new[] { new Shape(7, 4), new Shape(7, 2, 2, 4) })
        {
            var e = Assert.Throws<ArgumentException>(() => net.Forward(R([.. shape])));
            Assert.Contains($"at '1' expects a sequence of shape (T, N, C); got {shape}", e.Message);
        }
        // A sequence of length 0 cannot reach a layer: Sprout's shapes have no empty dimensions, and the tensor itself says so.
        var empty = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(0, 2, 4));
        Assert.Contains("Dimension 0 of shape (0, 2, 4) is 0", empty.Message);
    }

    [Fact]
    public void Cells_step_by_hand_and_agree_with_the_layers()
    {
        var gru = new Gru(hidden: 3);
        gru.Initialize(new Uniform(0.5f));
        var cell = new GruCell(hidden: 3);
        cell.Initialize();
        var x = R(4, 2, 5);
        gru.Forward([x]);
        cell.Forward(R(2, 5), null);
        foreach (var name in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            cell.Params[name].SetData(gru.CollectParams()[name + "_l0"].Data());
        Tensor? h = null;
        for (int t = 0; t < 4; t++) h = cell.Forward(x.Narrow(0, t, 1).Reshape(2, 5), h);
        TestHelpers.Close(gru.Forward(x, null).State.ToArray(), h!, 1e-5f);

        var lstmCell = new LstmCell(hidden: 2);
        lstmCell.Initialize();
        var (hNext, cNext) = lstmCell.Forward(R(3, 4), null, null);
        Assert.Equal(new Shape(3, 2), hNext.Shape);
        Assert.Equal(new Shape(3, 2), cNext.Shape);
        Assert.Equal(new Shape(8, 4), lstmCell.WeightIh.Shape);
        Assert.Equal(new Shape(3, 2), new RnnCell(2).InitializeAndRun(R(3, 4)).Shape);
    }

    public static TheoryData<string, bool> KindsAndDirections() =>
        new() { { "rnn", false }, { "rnn-relu", true }, { "gru", false }, { "gru", true }, { "lstm", false }, { "lstm", true } };

    private static RecurrentCellKind CellKind(string kind) => kind switch
    {
        "rnn" => RecurrentCellKind.RnnTanh,
        "rnn-relu" => RecurrentCellKind.RnnRelu,
        "gru" => RecurrentCellKind.Gru,
        _ => RecurrentCellKind.Lstm,
    };

    /// <summary>A sequence op large enough that its 136 hidden units are split into two blocks (0–63, 64–135) of two threads' work.</summary>
    private static (Tensor[] Inputs, Func<Tensor[], int, Tensor> Run) SplitSequence(string kind, bool reverse, int steps = 3, bool zeroState = false)
    {
        var cell = CellKind(kind);
        int gates = cell switch { RecurrentCellKind.Lstm => 4, RecurrentCellKind.Gru => 3, _ => 1 }, hidden = 136, batch = 8;
        Tensor U(float scale, params int[] shape) => Tensor.RandomUniform(new Shape(shape), -scale, scale);
        Tensor State() => zeroState ? Tensor.Zeros(new Shape(batch, hidden)) : U(1f, batch, hidden);
        var inputs = new List<Tensor> { U(1f, steps, batch, gates * hidden), U(0.15f, gates * hidden, hidden), U(0.5f, gates * hidden), State() };
        if (cell == RecurrentCellKind.Lstm) inputs.Add(State());
        return ([.. inputs], (x, threads) => Tensor.Recurrence(cell, x[0], x[1], x[2], x[3], x.Length > 4 ? x[4] : null, reverse, threads));
    }

    [Theory]
    [MemberData(nameof(KindsAndDirections))]
    public void Sequence_op_split_over_threads_is_bit_identical_and_its_every_gradient_matches_finite_differences(string kind, bool reverse)
    {
        var (inputs, run) = SplitSequence(kind, reverse);
        var alone = run(inputs, 1).ToArray();
        Assert.Equal(alone, run(inputs, 2).ToArray());
        // The gradients of gx, W_hh, b_hh, h0 (and c0), with the units split over two threads. ReLU's kinks defeat finite
        // differences through time: there, the gradients are compared with the step-by-step composition of tested ops.
        if (kind != "rnn-relu") GradCheck.Assert(x => run(x, 2), inputs);
        else AssertSameGradients(x => run(x, 2), x => ReluSteps(x, reverse), inputs);
    }

    /// <summary>h_t = ReLU(gx_t + h_{t−1}·W_hhᵀ + b_hh), step by step from ops with their own backward.</summary>
    private static Tensor ReluSteps(Tensor[] x, bool reverse)
    {
        int steps = x[0].Shape[0];
        var h = x[3];
        var outputs = new Tensor[steps];
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            h = (x[0].Slice(t, 1).Reshape(x[0].Shape[1], x[0].Shape[2]) + Tensor.Linear(h, x[1], x[2])).Relu();
            outputs[t] = h;
        }
        return Tensor.Stack(0, outputs);
    }

    private static void AssertSameGradients(Func<Tensor[], Tensor> f, Func<Tensor[], Tensor> reference, Tensor[] inputs)
    {
        var w = Tensor.RandomUniform(f(inputs).Shape, -1f, 1f);
        float[][] Gradients(Func<Tensor[], Tensor> g)
        {
            foreach (var x in inputs) x.AttachGrad();
            using (Sprout.Autograd.Record()) (g(inputs) * w).Sum().Backward();
            return [.. inputs.Select(x => x.Grad().ToArray())];
        }
        var (actual, expected) = (Gradients(f), Gradients(reference));
        for (int i = 0; i < inputs.Length; i++)
            for (int j = 0; j < expected[i].Length; j++)
                Assert.True(Math.Abs(actual[i][j] - expected[i][j]) <= 1e-4f + 1e-4f * Math.Abs(expected[i][j]), $"input {i}, element {j}: {actual[i][j]} against {expected[i][j]}");
    }

    public static TheoryData<string, bool, int> ZeroStarts() =>
        new() { { "rnn", false, 3 }, { "gru", true, 3 }, { "gru", false, 1 }, { "lstm", false, 3 }, { "lstm", true, 1 } };

    /// <summary>
    /// A zero initial state (the layers' default) skips the first step's product, its term of dW_hh and, when the state
    /// needs no gradient, the product that forms dh0; every gradient still matches finite differences (whose probes move
    /// the state off zero, onto the full path), and the gradients of the other inputs do not depend on whether the
    /// state wants one. One step exercises a dW_hh made of the first step alone.
    /// </summary>
    [Theory]
    [MemberData(nameof(ZeroStarts))]
    public void A_zero_initial_state_skips_its_products_and_every_gradient_still_holds(string kind, bool reverse, int steps)
    {
        var (inputs, run) = SplitSequence(kind, reverse, steps, zeroState: true);
        GradCheck.Assert(x => run(x, 2), inputs);
        var w = Tensor.RandomUniform(run(inputs, 2).Shape, -1f, 1f);
        float[][] GradientsOfTheRest(bool stateWantsGradient)
        {
            for (int i = 0; i < inputs.Length; i++)
                if (i < 3 || stateWantsGradient) inputs[i].AttachGrad(); else inputs[i].AttachGrad(GradReq.Null);
            using (Sprout.Autograd.Record()) (run(inputs, 2) * w).Sum().Backward();
            return [.. inputs.Take(3).Select(x => x.Grad().ToArray())];
        }
        var (with, without) = (GradientsOfTheRest(true), GradientsOfTheRest(false));
        for (int i = 0; i < 3; i++) Assert.Equal(with[i], without[i]);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Layers_split_over_threads_match_the_equations(string kind)
    {
        var layer = Make(kind, hidden: 136);
        layer.Initialize(new Uniform(0.1f));
        var x = R(3, 8, 5);
        int before = Threads.Count;
        float[] y;
        try
        {
            Threads.Count = Environment.ProcessorCount;
            y = layer.Forward([x])[0].ToArray();
        }
        finally { Threads.Count = before; }
        var p = layer.CollectParams();
        var reference = Reference(kind, x.ToArray(), 3, 8, 5, 136, p["weight_ih_l0"].Data().ToArray(), p["weight_hh_l0"].Data().ToArray(),
            p["bias_ih_l0"].Data().ToArray(), p["bias_hh_l0"].Data().ToArray());
        for (int t = 0; t < 3; t++)
            for (int n = 0; n < 8; n++)
                for (int j = 0; j < 136; j++) Assert.Equal(reference[t, n, j], y[(t * 8 + n) * 136 + j], tolerance: 2e-5);
    }

}

public class RecurrentTrainingToolTests
{
    [Fact]
    public void Clipping_scales_gradients_to_the_maximum_global_norm_and_returns_the_norm_before()
    {
        var net = new Sequential { new Dense(2, inUnits: 2, useBias: false) };
        net.Initialize(new Constant(1f));
        using (Sprout.Autograd.Record()) (net.Forward(Tensor.FromArray([3, 4], 1, 2)).Sum() * 1f).Backward();
        var trainer = new Sprout.Training.Trainer(net.CollectParams(), new Sprout.Training.Sgd(0.1f));
        float norm = trainer.ClipGradients(1f);   // grad rows (3, 4) twice: ‖g‖ = √50
        Assert.Equal(MathF.Sqrt(50), norm, 4);
        var g = net.CollectParams()["0.weight"].Grad().ToArray();
        Assert.Equal(1.0, Math.Sqrt(g.Sum(v => (double)v * v)), 5);
        Assert.Equal(1f, trainer.ClipGradients(5f), 4);   // under the limit: unchanged
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.ClipGradients(0f));
    }

    [Fact]
    public void Perplexity_is_the_exponential_of_the_mean_loss_per_token()
    {
        var p = new Sprout.Training.Perplexity();
        Assert.True(double.IsNaN(p.Value));
        p.Update(lossSum: 2 * Math.Log(4), tokens: 2);
        p.Update(lossSum: Math.Log(4), tokens: 1);
        Assert.Equal(4, p.Value, 6);
    }
}

public class MaskedLossTests
{
    [Fact]
    public void Masked_cross_entropy_ignores_padding_as_the_books_example_shows()
    {
        var loss = new Sprout.Training.MaskedSoftmaxCrossEntropyLoss();
        // The book: ones(3, 4, 10) predictions, ones(3, 4) labels, valid lengths 4, 2, 0 → log(10)·(1, 0.5, 0).
        var l = loss.Forward(Tensor.Ones(3, 4, 10), Tensor.Ones(3, 4), Tensor.FromArray([4, 2, 0], 3)).ToArray();
        Assert.Equal(MathF.Log(10), l[0], 5);
        Assert.Equal(MathF.Log(10) / 2, l[1], 5);
        Assert.Equal(0f, l[2]);
        Rng.Seed(2);
        GradCheck.Assert(x => loss.Forward(x[0], Tensor.FromArray([1, 0, 2, 2, 1, 0], 2, 3), Tensor.FromArray([2, 3], 2)), Tensor.RandomUniform(2, 3, 3));
        Assert.Throws<ArgumentException>(() => loss.Forward(Tensor.Ones(3, 4, 10), Tensor.Ones(3, 5), Tensor.Ones(3)));
    }
}
