using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Sprout.IO;
using Sprout.Nn;

namespace Sprout.Tests.Nn;

/// <summary>The embedding table: lookups of any shape of ids, the scatter-add gradient, bad ids, and its ONNX form.</summary>
public class EmbeddingTests
{
    public EmbeddingTests() => Rng.Seed(31);

    private static Tensor Ids(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    [Fact]
    public void Each_id_picks_its_row_and_the_output_keeps_the_ids_shape()
    {
        var embedding = new Embedding(vocabSize: 6, dim: 3);
        embedding.Initialize();
        var ids = Ids([5, 0, 2, 2, 1, 5], 2, 3);
        var y = embedding.Forward(ids);
        Assert.Equal(new Shape(2, 3, 3), y.Shape);
        Assert.Equal(new Shape(6, 3), embedding.CollectParams()["weight"].Shape);   // PyTorch's name and layout
        var w = embedding.Weight.Data().ToArray();
        var values = y.ToArray();
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(w[(int)ids.ToArray()[i] * 3 + j], values[i * 3 + j]);
        Assert.Equal("Embedding(6 -> 3)", embedding.ToString());
    }

    [Fact]
    public void The_weight_gradient_adds_up_the_output_gradient_of_every_position_of_an_id()
    {
        var embedding = new Embedding(vocabSize: 5, dim: 4);
        embedding.Initialize();
        float[] ids = [1, 1, 4, 0, 1, 2];   // id 1 three times, id 3 never
        var upstream = Tensor.RandomUniform(new Shape(2, 3, 4), -1f, 1f);
        using (Sprout.Autograd.Record()) (embedding.Forward(Ids(ids, 2, 3)) * upstream).Sum().Backward();
        var expected = new double[5 * 4];
        var g = upstream.ToArray();
        for (int position = 0; position < ids.Length; position++)
            for (int j = 0; j < 4; j++) expected[(int)ids[position] * 4 + j] += g[position * 4 + j];
        var actual = embedding.Weight.Grad().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        Assert.All(actual.AsSpan(3 * 4, 4).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(12f, "got 12 at position (1, 0)")]
    [InlineData(-1f, "got -1 at position (1, 0)")]
    [InlineData(2.5f, "got 2.5 at position (1, 0)")]
    [InlineData(float.NaN, "got NaN at position (1, 0)")]
    public void An_id_outside_the_vocabulary_is_an_error_naming_the_layer_the_id_and_its_position(float bad, string where)
    {
        var net = new Sequential { new Embedding(vocabSize: 10, dim: 4), new Gru(3) };
        net.Initialize();
        net.Forward(Ids([1, 2, 3, 4], 2, 2));
        var before = net.CollectParams()["0.weight"].Data().ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Forward(Ids([1, 2, bad, 4], 2, 2)));
        Assert.Contains("Embedding at '0'", e.Message);
        Assert.Contains("ids (0..9)", e.Message);
        Assert.Contains(where + " of ids shaped (2, 2)", e.Message);
        Assert.Contains(bad == MathF.Floor(bad) ? "vocabSize" : "whole-number ids", e.Message);   // the fix for each kind
        Assert.DoesNotContain("(Parameter 't')", e.Message);       // nothing of an inner call's parameters
        Assert.Equal(before, net.CollectParams()["0.weight"].Data().ToArray());
    }

    [Fact]
    public void A_deferred_recurrent_layer_after_it_takes_its_width_and_summary_and_build_run_on_shapes_alone()
    {
        var net = new Sequential { new Embedding(vocabSize: 10, dim: 7), new Lstm(5) };
        net.Initialize();
        string summary = net.Summary(new Shape(6, 2));
        Assert.Contains("(6, 2, 7)", summary);
        Assert.Equal(new Shape(20, -1), net.CollectParams()["1.weight_ih_l0"].Shape);   // a summary leaves sizes to the first real pass
        net.Build(new Shape(6, 2));
        Assert.Equal(new Shape(20, 7), net.CollectParams()["1.weight_ih_l0"].Shape);
    }

    [Fact]
    public void An_embedding_before_a_gru_agrees_with_onnx_runtime()
    {
        var net = new Sequential { new Embedding(vocabSize: 10, dim: 4), new Gru(5), new Dense(3) };
        net.Initialize();
        net.Build(new Shape(1, 6));
        var model = net.ToOnnxBytes(new Shape(1, 6));
        using var session = new InferenceSession(model);
        foreach (int batch in new[] { 1, 3 })
        {
            var ids = Tensor.FromArray([.. Enumerable.Range(0, batch * 6).Select(i => (float)(i * 7 % 10))], batch, 6);
            var expected = net.Forward(ids).ToArray();
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(ids.ToArray(), [batch, 6]))]);
            var actual = results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"batch {batch}, output {i}: Sprout {expected[i]}, ONNX Runtime {actual[i]}");
        }
    }
}
