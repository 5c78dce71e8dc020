using Sprout.Init;
using Sprout.Nn;
using Sprout.Tests.Autograd;

namespace Sprout.Tests.Attention;

/// <summary>LayerNorm, masked softmax and multi-head attention against references written from their equations.</summary>
public class AttentionTests
{
    public AttentionTests() => Rng.Seed(19);

    private static Tensor R(params int[] shape) => Tensor.RandomUniform(new Shape(shape), -1f, 1f);

    [Fact]
    public void LayerNorm_infers_its_normalized_shape_and_matches_the_equation()
    {
        var norm = new LayerNorm();
        norm.Initialize();
        var x = R(2, 3, 5);
        Assert.Equal(new Shape(-1), norm.Weight.Shape);
        norm.Build(x.Shape);
        Assert.Equal(new Shape(5), norm.Weight.Shape);
        Assert.Equal([1f], norm.Weight.Data().ToArray().Distinct());   // γ starts at ones, β at zeros
        Assert.Equal([0f], norm.Bias.Data().ToArray().Distinct());
        norm.Weight.Data().AsSpan().Fill(2f);
        var y = norm.Forward(x).ToArray();
        var xs = x.ToArray();
        for (int row = 0; row < 6; row++)
        {
            double mean = 0, variance = 0;
            for (int j = 0; j < 5; j++) mean += xs[row * 5 + j] / 5.0;
            for (int j = 0; j < 5; j++) variance += Math.Pow(xs[row * 5 + j] - mean, 2) / 5.0;
            for (int j = 0; j < 5; j++)
                Assert.Equal(2 * (xs[row * 5 + j] - mean) / Math.Sqrt(variance + 1e-5), y[row * 5 + j], 4);
        }
        var e = Assert.Throws<ShapeMismatchException>(() => norm.Forward(R(2, 3, 6)));
        Assert.Contains("expects 5", e.Message);
        Assert.Contains("got 6", e.Message);
        var given = new LayerNorm(normalizedShape: [3, 5]);
        given.Initialize();
        Assert.Equal([1f], given.Weight.Data().ToArray().Distinct());
        Assert.Equal(new Shape(2, 3, 5), given.Forward(x).Shape);
    }

    [Fact]
    public void LayerNorm_gradients_match_finite_differences()
    {
        var norm = new LayerNorm();
        norm.Initialize();
        norm.Build(new Shape(2, 4));
        norm.Weight.SetData(R(4));
        norm.Bias.SetData(R(4));
        GradCheck.Assert(x => norm.Forward(x[0]), R(3, 4));
        GradCheck.Assert(x => (x[0].Reshape(3, 4) - x[0].Reshape(3, 4).Mean(1, keepDims: true)) * x[1] + x[2], R(12), R(4), R(4));
        var input = R(3, 4);
        CheckParameterGradients(norm, () => norm.Forward(input));
    }

    /// <summary>Each parameter's gradient of L = Σ forward()·w (w fixed and random) against central differences of L.</summary>
    private static void CheckParameterGradients(Block block, Func<Tensor> forward)
    {
        Tensor probe;
        using (Sprout.Autograd.Pause()) probe = forward();
        var w = Tensor.RandomUniform(probe.Shape, -1f, 1f);
        double Loss()
        {
            var y = forward().ToArray();
            var ws = w.ToArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y[i] * ws[i];
            return s;
        }
        using (Sprout.Autograd.Record()) (forward() * w).Sum().Backward();
        foreach (var (name, p) in block.CollectParams())
        {
            var grad = p.Grad().ToArray();
            for (int j = 0; j < grad.Length; j += Math.Max(1, grad.Length / 20))
            {
                float original = p.Data().AsSpan()[j];
                p.Data().AsSpan()[j] = original + 4e-3f;
                double plus = Loss();
                p.Data().AsSpan()[j] = original - 4e-3f;
                double minus = Loss();
                p.Data().AsSpan()[j] = original;
                double numeric = (plus - minus) / 8e-3;
                Assert.True(Math.Abs(numeric - grad[j]) <= 1e-2 + 1e-2 * Math.Abs(numeric), $"{name}[{j}]: backward {grad[j]}, finite differences {numeric}");
            }
        }
    }

    [Fact]
    public void Masked_softmax_gives_masked_keys_zero_weight_and_fully_masked_rows_uniform_weights()
    {
        var scores = R(2, 2, 4);
        var w = scores.MaskedSoftmax(Tensor.FromArray([2, 3], 2)).ToArray();
        for (int row = 0; row < 4; row++)
        {
            int valid = row < 2 ? 2 : 3;
            for (int j = valid; j < 4; j++) Assert.Equal(0f, w[row * 4 + j]);
            Assert.Equal(1f, w.Skip(row * 4).Take(4).Sum(), 5);
        }
        var perQuery = scores.MaskedSoftmax(Tensor.FromArray([1, 4, 0, 2], 2, 2)).ToArray();
        Assert.Equal(0f, perQuery[1]);
        Assert.Equal([0.25f, 0.25f, 0.25f, 0.25f], perQuery.Skip(8).Take(4));   // valid length 0: uniform, defined
        GradCheck.Assert(x => x[0].MaskedSoftmax(Tensor.FromArray([2, 3], 2)), R(2, 2, 4));
    }

    /// <summary>Multi-head attention from its equations, in double precision, with the layer's own parameters.</summary>
    private static double[] Reference(MultiHeadAttention mha, Tensor queries, Tensor keys, Tensor values, int[]? valid, bool causal)
    {
        double[] P(Parameter? p) => p is null ? [] : [.. p.Data().ToArray().Select(v => (double)v)];
        var (wq, wk, wv, wo, bin, bo) = (P(mha.QueryWeight), P(mha.KeyWeight), P(mha.ValueWeight), P(mha.OutputWeight), P(mha.InputBias), P(mha.OutputBias));
        int b = queries.Shape[0], tq = queries.Shape[1], tk = keys.Shape[1], hidden = mha.QueryWeight.Shape[0], heads = mha.Heads, d = hidden / heads;
        double[,,] Project(Tensor x, double[] w, int part)
        {
            var xs = x.ToArray();
            int t = x.Shape[1], f = x.Shape[2];
            var r = new double[b, t, hidden];
            for (int i = 0; i < b; i++)
                for (int s = 0; s < t; s++)
                    for (int o = 0; o < hidden; o++)
                    {
                        double v = bin.Length > 0 ? bin[part * hidden + o] : 0;
                        for (int c = 0; c < f; c++) v += w[o * f + c] * xs[(i * t + s) * f + c];
                        r[i, s, o] = v;
                    }
            return r;
        }
        var (q, k, v) = (Project(queries, wq, 0), Project(keys, wk, 1), Project(values, wv, 2));
        var joined = new double[b, tq, hidden];
        for (int i = 0; i < b; i++)
            for (int h = 0; h < heads; h++)
                for (int r = 0; r < tq; r++)
                {
                    var scores = new double[tk];
                    for (int j = 0; j < tk; j++)
                    {
                        for (int c = 0; c < d; c++) scores[j] += q[i, r, h * d + c] * k[i, j, h * d + c];
                        scores[j] /= Math.Sqrt(d);
                        if ((valid is not null && j >= valid[i]) || (causal && j > r)) scores[j] = -1e6;
                    }
                    double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                    for (int j = 0; j < tk; j++)
                    {
                        double a = Math.Exp(scores[j] - max) / sum;
                        for (int c = 0; c < d; c++) joined[i, r, h * d + c] += a * v[i, j, h * d + c];
                    }
                }
        var output = new double[b * tq * hidden];
        for (int i = 0; i < b; i++)
            for (int r = 0; r < tq; r++)
                for (int o = 0; o < hidden; o++)
                {
                    double s = bo.Length > 0 ? bo[o] : 0;
                    for (int c = 0; c < hidden; c++) s += wo[o * hidden + c] * joined[i, r, c];
                    output[(i * tq + r) * hidden + o] = s;
                }
        return output;
    }

    [Fact]
    public void Multi_head_attention_infers_differing_query_key_value_sizes_and_matches_its_equations()
    {
        var mha = new MultiHeadAttention(heads: 2, hidden: 8);
        mha.Initialize(new Xavier());
        var (queries, keys, values) = (R(2, 3, 5), R(2, 4, 6), R(2, 4, 7));
        mha.Forward(queries, keys, values);
        Assert.Equal(new Shape(8, 5), mha.QueryWeight.Shape);
        Assert.Equal(new Shape(8, 6), mha.KeyWeight.Shape);
        Assert.Equal(new Shape(8, 7), mha.ValueWeight.Shape);
        mha.InputBias!.SetData(R(24));
        mha.OutputBias!.SetData(R(8));
        var valid = Tensor.FromArray([2, 4], 2);
        var y = mha.Forward(queries, keys, values, valid).ToArray();
        var expected = Reference(mha, queries, keys, values, [2, 4], causal: false);
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 4);
        Assert.Equal(0f, mha.LastWeights!.ToArray()[2]);   // batch 0, head 0, query 0: key 2 is beyond the valid length

        var inferred = new MultiHeadAttention(heads: 4);
        inferred.Initialize();
        Assert.Equal(new Shape(2, 3, 12), inferred.Forward(R(2, 3, 12), R(2, 5, 3), R(2, 5, 3)).Shape);
        Assert.Equal(new Shape(12, 3), inferred.KeyWeight.Shape);
        var odd = new MultiHeadAttention(heads: 4);
        odd.Initialize();
        Assert.Contains("not divisible by its 4 heads", Assert.Throws<ArgumentException>(() => odd.Forward(R(2, 3, 10), R(2, 3, 10), R(2, 3, 10))).Message);
        var lengths = Assert.Throws<ArgumentException>(() => inferred.Forward(R(2, 3, 12), R(2, 5, 3), R(2, 5, 3), Tensor.FromArray([1f, 2, 3], 3)));
        Assert.Contains("MultiHeadAttention at '(root)': valid lengths of shape (3,) do not fit queries (2, 3, 12)", lengths.Message);
        Assert.Contains("(2,), or one per query, (2, 3)", lengths.Message);
    }

    [Fact]
    public void Multi_head_attention_gradients_match_finite_differences()
    {
        var mha = new MultiHeadAttention(heads: 2, hidden: 4);
        mha.Initialize(new Xavier());
        var (queries, keys, values) = (R(2, 3, 3), R(2, 4, 5), R(2, 4, 2));
        mha.Forward(queries, keys, values);
        mha.InputBias!.SetData(R(12));
        GradCheck.Assert(x => mha.Forward(x[0], x[1], x[2], Tensor.FromArray([3, 2], 2)), queries, keys, values);
        CheckParameterGradients(mha, () => mha.Forward(queries, keys, values, Tensor.FromArray([3, 2], 2)));
    }

    [Fact]
    public void A_causal_mask_keeps_the_future_out_changing_a_later_token_leaves_earlier_outputs_bit_identical()
    {
        var mha = new MultiHeadAttention(heads: 2, hidden: 6);
        mha.Initialize(new Xavier());
        var x = R(1, 5, 6);
        var mask = Tensor.CausalMask(5, 5);
        var before = mha.Forward(x, x, x, null, mask).ToArray();
        var expected = Reference(mha, x, x, x, null, causal: true);
        for (int i = 0; i < before.Length; i++) Assert.Equal(expected[i], before[i], 4);
        var changed = x.ToArray();
        for (int j = 0; j < 6; j++) changed[4 * 6 + j] += 3f;   // the last token
        var after = mha.Forward(Tensor.FromArray(changed, 1, 5, 6), Tensor.FromArray(changed, 1, 5, 6), Tensor.FromArray(changed, 1, 5, 6), null, mask).ToArray();
        Assert.Equal(before.Take(4 * 6), after.Take(4 * 6));
        Assert.NotEqual(before.Skip(4 * 6), after.Skip(4 * 6));
    }

    [Fact]
    public void One_encoder_block_definition_serves_two_widths_and_a_later_mismatch_names_the_layer_and_both_sizes()
    {
        static Sequential Encoder() => new() { new PositionalEncoding(), new TransformerEncoderBlock(heads: 4, ffnHidden: 48), new TransformerEncoderBlock(heads: 4, ffnHidden: 48) };
        foreach (int width in new[] { 16, 32 })
        {
            var net = Encoder();
            net.Initialize(new Xavier());
            Assert.Equal(new Shape(2, 7, width), net.Forward(R(2, 7, width)).Shape);
            Assert.Equal(new Shape(48, width), net.Get<TransformerEncoderBlock>("1").Ffn.Linear1Weight.Shape);
            Assert.Equal(new Shape(width, width), net.Get<MultiHeadAttention>("2.self_attn").OutputWeight.Shape);
            Assert.Contains("self_attn", net.Summary(new Shape(2, 7, width)));
            var e = Assert.Throws<ShapeMismatchException>(() => net.Forward(R(2, 7, width + 8)));
            Assert.Contains("at path '1.", e.Message);
            Assert.Contains($"expects {width}", e.Message);
            Assert.Contains($"got {width + 8}", e.Message);
        }
        var block = new TransformerEncoderBlock(heads: 2, ffnHidden: 8, activation: Activation.Gelu);
        block.Initialize();
        using (Sprout.Autograd.Record()) block.Forward(R(3, 4, 6), Tensor.FromArray([4, 2, 1], 3)).Sum().Backward();
        Assert.All(block.CollectParams().Values, p => Assert.Contains(p.Grad().ToArray(), g => g != 0));
        Assert.Contains("norm2.weight", block.CollectParams().Keys);
    }
}
