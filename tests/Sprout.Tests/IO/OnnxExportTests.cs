using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Sprout.Init;
using Sprout.IO;
using Sprout.Nn;
using Sprout.Tests.Nn;

namespace Sprout.Tests.IO;

/// <summary>Exported models run in ONNX Runtime and agree with Sprout's own forward pass.</summary>
public class OnnxExportTests
{
    private static float[] RunOnnx(byte[] model, Tensor x)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(x.ToArray(), x.Shape.ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        return results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
    }

    private static void AssertAgrees(Block net, int[] sampleShape)
    {
        var model = net.ToOnnxBytes(new Shape([1, .. sampleShape]));
        foreach (int batch in new[] { 1, 5 })
        {
            var x = Tensor.RandomUniform(new Shape([batch, .. sampleShape]), -1f, 1f);
            var expected = net.Forward(x).ToArray();
            var actual = RunOnnx(model, x);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"batch {batch}, output {i}: Sprout {expected[i]}, ONNX Runtime {actual[i]}");
        }
    }

    [Fact]
    public void The_mlp_agrees_with_onnx_runtime()
    {
        Rng.Seed(1);
        var net = new Sequential { new Flatten(), new Dense(256, Activation.Relu), new Dense(10) };
        net.Initialize(new Normal(0.1f));
        net.Build(new Shape(1, 1, 28, 28));
        AssertAgrees(net, [1, 28, 28]);
    }

    [Fact]
    public void Transposed_convolutions_agree_with_onnx_runtime()
    {
        Rng.Seed(12);
        var net = new Sequential
        {
            new Conv2D(6, 3, padding: 1, strides: 2), new Relu(),
            new Conv2DTranspose(4, 3, strides: 2, padding: 1, outputPadding: 1, activation: Activation.Relu),
            new Conv2DTranspose(4, 4, strides: 2, padding: 1, groups: 2, dilation: 2),
        };
        net.Initialize(new Xavier());
        net.Build(new Shape(1, 3, 8, 8));
        AssertAgrees(net, [3, 8, 8]);
    }

    [Fact]
    public void One_dimensional_convolutions_and_pools_agree_with_onnx_runtime()
    {
        Rng.Seed(13);
        var net = new Sequential
        {
            new Conv1D(6, 3, padding: 1, activation: Activation.Relu), new MaxPool1D(3, strides: 2, padding: 1),
            new Conv1D(6, 3, dilation: 2, groups: 2), new AvgPool1D(2), new GlobalMaxPool1D(), new Flatten(), new Dense(3),
        };
        net.Initialize(new Xavier());
        net.Build(new Shape(1, 4, 20));
        AssertAgrees(net, [4, 20]);
        var averaged = new Sequential { new Conv1D(5, 2, strides: 2), new GlobalAvgPool1D() };
        averaged.Initialize(new Xavier());
        averaged.Build(new Shape(1, 3, 9));
        AssertAgrees(averaged, [3, 9]);
    }

    [Fact]
    public void LeNet_agrees_with_onnx_runtime()
    {
        Rng.Seed(2);
        var net = ConvolutionalNetworkTests.LeNet();
        net.Initialize(new Xavier());
        net.Build(new Shape(1, 1, 28, 28));
        AssertAgrees(net, [1, 28, 28]);
    }

    [Fact]
    public void A_batch_norm_relu_cnn_in_prediction_mode_agrees_with_onnx_runtime()
    {
        Rng.Seed(3);
        var net = new Sequential
        {
            new Conv2D(8, 3, padding: 1, strides: 2), new BatchNorm(), new Relu(), new MaxPool2D(3, strides: 2, padding: 1, ceilMode: true),
            new Conv2D(8, 3, groups: 2, dilation: 2, padding: 2), new BatchNorm(), new Tanh(), new AvgPool2D(2), new Dropout(0.5f),
            new GlobalAvgPool2D(), new Flatten(), new Dense(16, Activation.Sigmoid), new BatchNorm(), new Dense(4),
        };
        net.Initialize(new Kaiming());
        using (Sprout.Autograd.Train())
            for (int i = 0; i < 3; i++) net.Forward(Tensor.RandomNormal(new Shape(6, 3, 20, 20), 0.5f, 2f));   // non-trivial running statistics
        AssertAgrees(net, [3, 20, 20]);
    }

    [Fact]
    public void A_dense_layer_on_a_higher_rank_input_exports_as_matmul()
    {
        var net = new Sequential { new Dense(4), new Relu() };
        net.Initialize(new Normal(0.5f));
        net.Build(new Shape(1, 3, 5));
        AssertAgrees(net, [3, 5]);
    }

    [Fact]
    public void Export_of_unfilled_networks_and_unsupported_layers_is_a_clear_error()
    {
        var net = new Sequential { new Dense(4) };
        net.Initialize();
        var e = Assert.Throws<InvalidOperationException>(() => net.ToOnnxBytes(new Shape(1, 3)));
        Assert.Contains("0.weight", e.Message);
        var custom = new Sequential { new Square() };
        custom.Initialize();
        var n = Assert.Throws<NotSupportedException>(() => custom.ToOnnxBytes(new Shape(1, 3)));
        Assert.Contains("Square at '0'", n.Message);
        var holding = new Sequential { new Dense(3), new TwoLayers() };   // a custom block keeping layers in fields
        holding.Initialize();
        holding.Build(new Shape(1, 3));
        var c = Assert.Throws<NotSupportedException>(() => holding.ToOnnxBytes(new Shape(1, 3)));
        Assert.Contains("container TwoLayers at '1'", c.Message);
        Assert.Contains("new Residual(body, shortcut", c.Message);   // the fix
    }

    private sealed class TwoLayers : Block
    {
        private readonly Dense First = new(4), Second = new(2);
        protected override Tensor ForwardCore(Tensor x) => Second.Forward(First.Forward(x)) + 1f;
    }

    [Fact]
    public void Exporting_into_a_folder_that_does_not_exist_names_the_target_and_the_folder()
    {
        var net = new Sequential { new Dense(2) };
        net.Initialize();
        net.Build(new Shape(1, 3));
        string path = Path.Combine(Path.GetTempPath(), "sprout-export-no-such-folder", "net.onnx");
        var e = Assert.Throws<DirectoryNotFoundException>(() => net.ExportOnnx(path, new Shape(1, 3)));
        Assert.Contains($"Cannot save to {path}: its folder", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
    }

    [Fact]
    public void ExportOnnx_writes_a_file_onnx_runtime_loads()
    {
        var net = new Sequential { new Dense(3, inUnits: 2) };
        net.Initialize();
        string path = Path.Combine(Path.GetTempPath(), $"sprout-{Guid.NewGuid():N}.onnx");
        try
        {
            net.ExportOnnx(path, new Shape(1, 2));
            using var session = new InferenceSession(path);
            Assert.Equal("N", session.InputMetadata["input"].SymbolicDimensions[0]);
        }
        finally { File.Delete(path); }
    }

    private sealed class Square : Block
    {
        protected override Tensor ForwardCore(Tensor x) => x * x;
    }

    [Fact]
    public void A_residual_and_inception_style_network_agrees_with_onnx_runtime()
    {
        Rng.Seed(4);
        var net = new Sequential
        {
            new Conv2D(4, 3, padding: 1),
            new Residual(new Sequential { new Conv2D(6, 3, padding: 1, strides: 2), new BatchNorm(), new Relu(), new Conv2D(6, 3, padding: 1) },
                shortcut: new Conv2D(6, 1, strides: 2), activation: Activation.Relu),
            new Concurrent { new Conv2D(2, 1), new Sequential { new MaxPool2D(3, strides: 1, padding: 1), new Conv2D(3, 1) } },
            new GlobalAvgPool2D(), new Flatten(), new Dense(3),
        };
        net.Initialize(new Xavier());
        net.Build(new Shape(1, 2, 8, 8));
        AssertAgrees(net, [2, 8, 8]);
    }

    [Fact]
    public void LayerNorm_and_a_gelu_feed_forward_network_agree_with_onnx_runtime()
    {
        Rng.Seed(5);
        var net = new Sequential { new Dense(8), new LayerNorm(), new PositionWiseFfn(16, Activation.Gelu), new LayerNorm(axes: 2), new Dense(3, Activation.Silu) };
        net.Initialize(new Xavier());
        net.Build(new Shape(1, 4, 6));
        net.Get<LayerNorm>("1").Weight.SetData(Tensor.RandomUniform(new Shape(8), 0.5f, 1.5f));
        AssertAgrees(net, [4, 6]);
    }

    [Theory]
    [InlineData("gru", false, false)]
    [InlineData("gru", true, true)]
    [InlineData("lstm", false, true)]
    [InlineData("lstm", true, false)]
    [InlineData("rnn", true, false)]
    [InlineData("relu-rnn", false, true)]
    public void Recurrent_layers_stacked_and_bidirectional_agree_with_onnx_runtime(string kind, bool bidirectional, bool batchFirst)
    {
        Rng.Seed(6);
        RecurrentLayer layer = kind switch
        {
            "gru" => new Gru(5, layers: 2, bidirectional: bidirectional, batchFirst: batchFirst),
            "lstm" => new Lstm(5, layers: 2, bidirectional: bidirectional, batchFirst: batchFirst),
            "rnn" => new Rnn(5, layers: 2, bidirectional: bidirectional, batchFirst: batchFirst),
            _ => new Rnn(5, layers: 2, activation: Activation.Relu, bidirectional: bidirectional, batchFirst: batchFirst),
        };
        var net = new Sequential { new Dense(4), layer, new Dense(3) };
        net.Initialize(new Uniform(0.5f));
        net.Build(new Shape(1, 7, 6));   // (T, N, C) or (N, T, C); the first axis varies in the check
        AssertAgrees(net, [7, 6]);
    }

    [Fact]
    public void Adaptive_and_global_max_pools_agree_with_onnx_runtime_and_uneven_bins_are_refused()
    {
        Rng.Seed(7);
        var net = new Sequential
        {
            new Conv2D(4, 3, padding: 1), new AdaptiveMaxPool2D((4, 3)), new AdaptiveAvgPool2D((2, 3)),
            new Concurrent(axis: 1) { new GlobalMaxPool2D(), new AdaptiveAvgPool2D(1) }, new Flatten(), new Dense(3),
        };
        net.Initialize(new Xavier());
        net.Build(new Shape(1, 2, 8, 6));
        AssertAgrees(net, [2, 8, 6]);
        var uneven = new Sequential { new AdaptiveAvgPool2D(3) };
        var e = Assert.Throws<NotSupportedException>(() => uneven.ToOnnxBytes(new Shape(1, 1, 8, 8)));
        Assert.Contains("pools 8×8 into 3×3 uneven bins", e.Message);
    }

    [Fact]
    public void Transformer_encoder_and_vit_blocks_agree_with_onnx_runtime()
    {
        Rng.Seed(8);
        var net = new Sequential
        {
            new Dense(16), new TransformerEncoderBlock(heads: 4, ffnHidden: 32), new VitBlock(heads: 2, mlpHidden: 24, useBias: true),
            new MultiHeadAttention(heads: 2, useBias: false), new Dense(3),
        };
        net.Initialize(new Xavier());
        net.Build(new Shape(1, 5, 6));
        AssertAgrees(net, [5, 6]);
    }

    [Fact]
    public void The_books_vision_transformer_exports_whole_and_agrees_with_onnx_runtime()
    {
        Rng.Seed(9);
        var vit = new Sprout.Models.VisionTransformer(classes: 4, patchSize: 4, hidden: 16, mlpHidden: 24, heads: 2, blocks: 2);
        vit.Initialize(new Xavier());
        vit.Build(new Shape(1, 1, 12, 12));
        foreach (var token in vit.CollectParams().Where(kv => kv.Key.Contains("cls_token")))   // zeros by default: make it count
            token.Value.SetData(Tensor.RandomUniform(token.Value.Shape, -1f, 1f));
        AssertAgrees(vit, [1, 12, 12]);
    }

    [Fact]
    public void Learned_positions_cut_to_the_sequence_and_the_sine_encoding_agree_with_onnx_runtime()
    {
        Rng.Seed(10);
        var net = new Sequential
        {
            new Dense(8), new PositionEmbedding(maxLength: 9), new PositionalEncoding(dropout: 0.2f), new ClassToken(),
            new TransformerEncoderBlock(heads: 2, ffnHidden: 16), new Dense(3),
        };
        net.Initialize(new Uniform(0.5f));
        net.Build(new Shape(1, 5, 6));   // 5 of the 9 positions
        AssertAgrees(net, [5, 6]);
    }

    [Theory]
    [InlineData("googlenet")]
    [InlineData("resnet18")]
    [InlineData("densenet")]
    public void The_books_modern_cnns_export_whole_and_agree_with_onnx_runtime(string name)
    {
        Rng.Seed(11);
        var net = name switch
        {
            "googlenet" => Sprout.Models.ModernCnns.GoogLeNet(),
            "resnet18" => Sprout.Models.ModernCnns.ResNet18(),
            _ => Sprout.Models.ModernCnns.DenseNet(),
        };
        net.Initialize(new Xavier());
        using (Sprout.Autograd.Train()) net.Forward(Tensor.RandomNormal(new Shape(4, 1, 32, 32), 0.5f, 2f));   // running statistics of their own
        AssertAgrees(net, [1, 32, 32]);
    }
}
