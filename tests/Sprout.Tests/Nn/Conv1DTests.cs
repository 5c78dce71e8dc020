using Sprout.Init;
using Sprout.Nn;
using Sprout.Tests.Autograd;
using Sprout.Training;

namespace Sprout.Tests.Nn;

public class Conv1DTests
{
    public Conv1DTests() => Rng.Seed(15);

    /// <summary>y[n, o, t] = b[o] + Σ_{c in o's group, j} w[o, c − g·C/groups, j] · x[n, c, t·s − p + j·d] (zero outside).</summary>
    private static float[] Reference(Tensor x, Tensor w, Tensor b, int s, int p, int d, int groups)
    {
        int n = x.Shape[0], c = x.Shape[1], l = x.Shape[2], o = w.Shape[0], per = w.Shape[1], k = w.Shape[2];
        int lo = (l + 2 * p - d * (k - 1) - 1) / s + 1;
        var y = new float[n * o * lo];
        for (int i = 0; i < n; i++)
            for (int oc = 0; oc < o; oc++)
                for (int t = 0; t < lo; t++)
                {
                    float sum = b[oc];
                    int g = oc / (o / groups);
                    for (int ci = 0; ci < per; ci++)
                        for (int j = 0; j < k; j++)
                        {
                            int at = t * s - p + j * d;
                            if (at >= 0 && at < l) sum += w[oc, ci, j] * x[i, g * per + ci, at];
                        }
                    y[(i * o + oc) * lo + t] = sum;
                }
        return y;
    }

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(1, 2, 2, 2)]
    [InlineData(3, 1, 1, 4)]
    public void The_output_matches_the_definition(int stride, int padding, int dilation, int groups)
    {
        var x = Tensor.RandomNormal(2, 4, 11);
        var w = Tensor.RandomNormal(8, 4 / groups, 3);
        var b = Tensor.RandomNormal(8);
        TestHelpers.Close(Reference(x, w, b, stride, padding, dilation, groups), Tensor.Conv1D(x, w, b, stride, padding, dilation, groups), 1e-4f);
    }

    [Fact]
    public void The_books_one_dimensional_cross_correlations_give_its_printed_results()
    {
        var x = Tensor.Arange(7).Reshape(1, 1, 7);   // 15.3: corr1d([0..6], [1, 2])
        Assert.Equal([2f, 5, 8, 11, 14, 17], Tensor.Conv1D(x, Tensor.FromArray([1f, 2], 1, 1, 2), null).ToArray());
        var x3 = Tensor.Stack(0, Tensor.Arange(7), Tensor.Arange(1, 8), Tensor.Arange(2, 9)).Reshape(1, 3, 7);   // multi-input channels
        var k3 = Tensor.FromArray([1f, 2, 3, 4, -1, -3], 1, 3, 2);
        Assert.Equal([2f, 8, 14, 20, 26, 32], Tensor.Conv1D(x3, k3, null).ToArray());
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        GradCheck.Assert(t => Tensor.Conv1D(t[0], t[1], t[2], 2, 1, 1, 1), Tensor.RandomNormal(2, 3, 7), Tensor.RandomNormal(4, 3, 3), Tensor.RandomNormal(4));
        GradCheck.Assert(t => Tensor.MaxPool1D(t[0], 3, 2, 1) + Tensor.AvgPool1D(t[0], 3, 2, 1), Tensor.RandomNormal(2, 2, 9));
    }

    [Fact]
    public void One_dimensional_pools_take_the_max_or_mean_of_each_window_and_the_global_ones_of_the_whole_sequence()
    {
        var x = Tensor.FromArray([1f, 5, 2, 8, 3, 0], 1, 1, 6);
        Assert.Equal([5f, 8, 3], new MaxPool1D(2).Forward(x).ToArray());
        Assert.Equal([3f, 5, 1.5f], new AvgPool1D(2).Forward(x).ToArray());
        Assert.Equal([5f, 8, 8], new MaxPool1D(3, strides: 2, padding: 1).Forward(x).ToArray());
        Assert.Equal(new Shape(1, 1, 1), new GlobalMaxPool1D().Forward(x).Shape);
        Assert.Equal(8f, new GlobalMaxPool1D().Forward(x).Item());
        Assert.Equal(19f / 6, new GlobalAvgPool1D().Forward(x).Item(), 5);
        Assert.Throws<ArgumentException>(() => new GlobalMaxPool1D().Forward(Tensor.Ones(2, 3)));
    }

    /// <summary>The book's TextCNN (15.3) on a toy task: embeddings, convolutions of two widths, global max pooling.</summary>
    private sealed class TextCnn : Block
    {
        private readonly Embedding _embedding = new(20, 8);
        private readonly BlockList _convs = [new Conv1D(6, 3, activation: Activation.Relu), new Conv1D(6, 4, activation: Activation.Relu)];
        private readonly GlobalMaxPool1D _pool = new();
        private readonly Dense _decoder = new(2);

        protected override Tensor ForwardCore(Tensor tokens)
        {
            var e = _embedding.Forward(tokens).SwapAxes(1, 2);   // (N, L, C) → (N, C, L)
            var features = Tensor.Concat(1, [.. _convs.Select(c => _pool.Forward(c.Forward(e)).Squeeze(-1))]);
            return _decoder.Forward(features);
        }
    }

    [Fact]
    public void A_text_cnn_with_every_input_size_inferred_learns_whether_a_token_occurs()
    {
        var net = new TextCnn();
        net.Initialize(new Xavier());
        var tokens = Tensor.RandomInt(new Shape(64, 12), 0, 19);
        var labels = (tokens.Eq(7f).Sum(1) > 0f).Reshape(64);   // class 1 when token 7 occurs anywhere
        var trainer = new Trainer(net.CollectParams(), new Adam(0.01f));
        var loss = new SoftmaxCrossEntropyLoss();
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            Tensor l;
            using (global::Sprout.Autograd.Record()) l = loss.Forward(net.Forward(tokens), labels).Mean();
            l.Backward();
            trainer.Step(1);
            if (step == 0) first = l.Item();
            last = l.Item();
        }
        Assert.True(last < first / 4, $"loss {first} → {last}");
        Assert.Equal(new Shape(6, 8, 3), net.CollectParams()["convs.0.weight"].Shape);   // (out, in inferred, k)
        Assert.Contains("Conv1D", net.Summary(new Shape(2, 12)));
        var conv = new Conv1D(4, 3);
        conv.Initialize();
        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Ones(2, 3)));
        Assert.Contains("SwapAxes(1, 2)", e.Message);
    }
}
