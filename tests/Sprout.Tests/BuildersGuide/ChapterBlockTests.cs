using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.BuildersGuide;

/// <summary>The blocks later chapters are built of, written with no input sizes, each trained one step and summarized.</summary>
public class ChapterBlockTests
{
    /// <summary>One SGD step on the sum of squares of the outputs; returns how far the parameters moved.</summary>
    private static float TrainOneStep(Block net, Func<Tensor> forward)
    {
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.01f));
        var before = net.CollectParams().Values.Where(p => !p.IsBuffer).Select(p => p.Data().ToArray()).ToList();
        using (Sprout.Autograd.Record())
        {
            var y = forward();
            (y * y).Sum().Backward();
        }
        trainer.Step(1);
        var after = net.CollectParams().Values.Where(p => !p.IsBuffer).Select(p => p.Data().ToArray()).ToList();
        Assert.Empty(net.PendingParameters());
        return before.Zip(after, (b, a) => b.Zip(a, (u, v) => MathF.Abs(u - v)).Sum()).Sum();
    }

    private static Residual ResNetBlock(int channels, int strides) => new(
        new Sequential
        {
            new Conv2D(channels, 3, strides: strides, padding: 1), new BatchNorm(), new Relu(),
            new Conv2D(channels, 3, padding: 1), new BatchNorm(),
        },
        shortcut: new Conv2D(channels, 1, strides: strides),
        activation: Activation.Relu);

    [Fact]
    public void A_ResNet_residual_block_with_a_1x1_shortcut_infers_its_channels_and_trains()
    {
        var block = ResNetBlock(6, 2);
        block.Initialize();
        var x = Tensor.RandomUniform(4, 3, 6, 6);
        Assert.Equal(new Shape(4, 6, 3, 3), block.Forward(x).Shape);
        Assert.Equal(new Shape(6, 3, 3, 3), block.Get<Conv2D>("body.0").Weight.Shape);
        Assert.Equal(new Shape(6, 3, 1, 1), block.Get<Conv2D>("shortcut").Weight.Shape);
        Assert.True(TrainOneStep(block, () => block.Forward(x)) > 0);
        string summary = block.Summary(new Shape(4, 3, 6, 6));
        Assert.Contains("shortcut", summary);
        Assert.Contains("(4, 6, 3, 3)", summary);

        var identity = new Residual(new Sequential { new Conv2D(3, 3, padding: 1), new BatchNorm() }, activation: Activation.Relu);
        identity.Initialize();
        Assert.Equal(x.Shape, identity.Forward(x).Shape);
        var e = Assert.Throws<ArgumentException>(() => new Residual(new Conv2D(5, 1)).InitializeAndRun(x));
        Assert.Contains("Give a shortcut", e.Message);
    }

    private static Concurrent Inception(int c1, (int, int) c2, (int, int) c3, int c4) => new(axis: 1)
    {
        new Conv2D(c1, 1, activation: Activation.Relu),
        new Sequential { new Conv2D(c2.Item1, 1, activation: Activation.Relu), new Conv2D(c2.Item2, 3, padding: 1, activation: Activation.Relu) },
        new Sequential { new Conv2D(c3.Item1, 1, activation: Activation.Relu), new Conv2D(c3.Item2, 5, padding: 2, activation: Activation.Relu) },
        new Sequential { new MaxPool2D(3, strides: 1, padding: 1), new Conv2D(c4, 1, activation: Activation.Relu) },
    };

    [Fact]
    public void An_Inception_block_runs_four_branches_and_concatenates_their_channels()
    {
        var block = Inception(4, (3, 5), (2, 3), 2);
        block.Initialize();
        var x = Tensor.RandomUniform(2, 3, 8, 8);
        Assert.Equal(new Shape(2, 4 + 5 + 3 + 2, 8, 8), block.Forward(x).Shape);
        Assert.Equal(new Shape(5, 3, 3, 3), block.Get<Conv2D>("1.1").Weight.Shape);
        Assert.True(TrainOneStep(block, () => block.Forward(x)) > 0);
        Assert.Contains("(2, 14, 8, 8)", block.Summary(new Shape(2, 3, 8, 8)));
    }

    /// <summary>The book's DenseBlock: a list of conv blocks kept in a field, each output concatenated to its input.</summary>
    private sealed class DenseBlock : Block
    {
        private readonly List<Sequential> _convs = [];

        public DenseBlock(int convs, int growth)
        {
            for (int i = 0; i < convs; i++)
                _convs.Add(new Sequential { new BatchNorm(), new Relu(), new Conv2D(growth, 3, padding: 1) });
        }

        protected override Tensor ForwardCore(Tensor x)
        {
            foreach (var conv in _convs) x = Tensor.Concat(1, x, conv.Forward(x));
            return x;
        }
    }

    [Fact]
    public void A_DenseNet_block_grows_its_channels_and_each_conv_infers_its_own_input()
    {
        var block = new DenseBlock(2, 10);
        block.Initialize();
        var x = Tensor.RandomUniform(4, 3, 8, 8);
        Assert.Equal(new Shape(4, 23, 8, 8), block.Forward(x).Shape);
        Assert.Equal(new Shape(10, 13, 3, 3), block.CollectParams()["convs.1.2.weight"].Shape);
        Assert.True(TrainOneStep(block, () => block.Forward(x)) > 0);
        Assert.Contains("convs.1.2", block.Summary(new Shape(4, 3, 8, 8)));
    }

    /// <summary>
    /// The book's additive attention: scores w_vᵀ·tanh(W_q·q + W_k·k), softmax over the keys masked beyond each
    /// query's valid length, weights times values. Query and key sizes are inferred (and differ).
    /// </summary>
    private sealed class AdditiveAttention(int hidden) : Block
    {
        private readonly Dense _wk = new(hidden, useBias: false);
        private readonly Dense _wq = new(hidden, useBias: false);
        private readonly Dense _wv = new(1, useBias: false);

        public Tensor Forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLengths) => Forward([queries, keys, values, validLengths])[0];

        protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
        {
            var (queries, keys, values, valid) = (inputs[0]!, inputs[1]!, inputs[2]!, inputs.Count > 3 ? inputs[3] : null);
            var q = _wq.Forward(queries);   // (b, nq, h)
            var k = _wk.Forward(keys);      // (b, nk, h)
            int b = q.Shape[0], nq = q.Shape[1], nk = k.Shape[1], h = q.Shape[2];
            var features = (q.Reshape(b, nq, 1, h) + k.Reshape(b, 1, nk, h)).Tanh();
            var scores = _wv.Forward(features).Reshape(b, nq, nk);
            if (valid is not null && !scores.IsMeta) scores = scores + Mask(valid, b, nq, nk);
            return [scores.Softmax(-1).MatMul(values)];
        }

        /// <summary>−10⁶ where key j ≥ the valid length of the batch row, else 0 (the book's masked_softmax).</summary>
        private static Tensor Mask(Tensor valid, int b, int nq, int nk)
        {
            var lengths = valid.ToArray();
            var m = new float[b * nq * nk];
            for (int i = 0; i < b; i++)
                for (int r = 0; r < nq; r++)
                    for (int j = 0; j < nk; j++) m[(i * nq + r) * nk + j] = j < lengths[i] ? 0f : -1e6f;
            return Tensor.FromArray(m, b, nq, nk);
        }
    }

    [Fact]
    public void Additive_attention_takes_queries_keys_values_and_valid_lengths_and_infers_both_input_sizes()
    {
        var attention = new AdditiveAttention(8);
        attention.Initialize();
        var queries = Tensor.RandomNormal(2, 1, 20);
        var keys = Tensor.Ones(2, 10, 2);
        var values = Tensor.Arange(40).Reshape(1, 10, 4) * Tensor.Ones(2, 1, 1);
        var valid = Tensor.FromArray([2, 6], 2);
        var y = attention.Forward(queries, keys, values, valid);
        Assert.Equal(new Shape(2, 1, 4), y.Shape);
        TestHelpers.Close([2, 3, 4, 5, 10, 11, 12, 13], y, 1e-4f);   // equal keys: the mean of the first 2 and 6 values
        Assert.Equal(new Shape(8, 20), attention.CollectParams()["wq.weight"].Shape);
        Assert.Equal(new Shape(8, 2), attention.CollectParams()["wk.weight"].Shape);
        Assert.True(TrainOneStep(attention, () => attention.Forward(queries, Tensor.RandomNormal(2, 10, 2), values, valid)) > 0);
        string summary = attention.Summary(new Shape(2, 1, 20), new Shape(2, 10, 2), new Shape(2, 10, 4));
        Assert.Contains("Input shapes: (2, 1, 20), (2, 10, 2), (2, 10, 4)", summary);
        Assert.Contains("wq", summary);
    }

    /// <summary>An RNN cell: h' = tanh(x·W_xhᵀ + b + h·W_hhᵀ); returns the output and the new state (the same tensor).</summary>
    private sealed class RnnCell(int hidden) : Block
    {
        private readonly Dense _xh = new(hidden);
        private readonly Dense _hh = new(hidden, useBias: false);

        public (Tensor Output, Tensor State) Forward(Tensor x, Tensor state)
        {
            var outputs = Forward([x, state]);
            return (outputs[0], outputs[1]);
        }

        protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
        {
            var h = (_xh.Forward(inputs[0]!) + _hh.Forward(inputs[1]!)).Tanh();
            return [h, h];
        }
    }

    [Fact]
    public void An_RNN_cell_returns_its_state_infers_its_input_size_and_trains_through_time()
    {
        var cell = new RnnCell(5);
        cell.Initialize();
        var xs = Enumerable.Range(0, 4).Select(_ => Tensor.RandomUniform(3, 7)).ToArray();
        Tensor Unroll()
        {
            var h = Tensor.Zeros(3, 5);
            Tensor y = h;
            foreach (var x in xs) (y, h) = cell.Forward(x, h);
            return y;
        }
        var (output, state) = cell.Forward(xs[0], Tensor.Zeros(3, 5));
        Assert.Same(output, state);
        Assert.Equal(new Shape(5, 7), cell.CollectParams()["xh.weight"].Shape);
        Assert.Equal(new Shape(5, 5), cell.CollectParams()["hh.weight"].Shape);
        Assert.True(TrainOneStep(cell, Unroll) > 0);
        Assert.Contains("Output shape", cell.Summary(new Shape(3, 7), new Shape(3, 5)));
        Assert.Equal([new Shape(3, 5), new Shape(3, 5)], cell.Build(new Shape(3, 7), new Shape(3, 5)));
    }
}
