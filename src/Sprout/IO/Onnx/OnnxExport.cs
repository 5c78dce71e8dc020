using Google.Protobuf;
using Sprout.Nn;
using OnnxTensor = Onnx.TensorProto;

namespace Sprout.IO;

/// <summary>
/// Exports a network to ONNX (opset 17, IR version 8) for ONNX Runtime and other engines. The graph is read from a
/// shape-only dry run, so each layer's real input rank is known; parameters become initializers under their
/// structural names (<c>0.weight</c>), and the batch dimension is symbolic (<c>N</c>). Supported: Sequential, Residual,
/// Concurrent, Dense,
/// Conv1D and its pools, Conv2D, Conv2DTranspose, MaxPool2D, AvgPool2D, GlobalAvgPool2D, GlobalMaxPool2D, adaptive pools (even bins), BatchNorm (prediction mode), Flatten, Embedding
/// (ids as float inputs, cast to integers for Gather), LayerNorm, PositionWiseFfn, the
/// activation layers, Dropout, Rnn, Gru and Lstm (their sequence output; stacked and bidirectional), MultiHeadAttention as
/// self-attention without masks, TransformerEncoderBlock, VitBlock, PatchEmbedding, ClassToken, PositionEmbedding,
/// PositionalEncoding, DenseBlock, and so every network of <c>Sprout.Models</c> whole.
/// </summary>
public static partial class OnnxExport
{
    /// <summary>The ONNX operator set the exported models use.</summary>
    public const int Opset = 17;

    /// <summary>Writes the ONNX model of <paramref name="block"/> for inputs of <paramref name="inputShape"/> (its first dimension becomes the symbolic batch).</summary>
    public static void ExportOnnx(this Block block, string path, Shape inputShape)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        TargetFolder.Require(full);
        var model = ToModel(block, inputShape);
        string temporary = full + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = File.Create(temporary)) model.WriteTo(file);
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The serialized model, for callers that keep it in memory.</summary>
    public static byte[] ToOnnxBytes(this Block block, Shape inputShape) => ToModel(block, inputShape).ToByteArray();

    internal static Onnx.ModelProto ToModel(Block block, Shape inputShape)
    {
        var input = Block.RequireInputShape(inputShape);
        var pending = block.PendingParameters();
        if (pending.Count > 0)
            throw new InvalidOperationException($"Cannot export: parameters not filled yet ({string.Join(", ", pending)}). Run a forward pass or Build({input}) first.");
        var graph = new Onnx.GraphProto { Name = block.GetType().Name };
        var names = new Dictionary<ParameterSlot, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in block.CollectParams())
        {
            names[p.Slot] = name;
            graph.Initializer.Add(Initializer(name, p.Data()));
        }
        var trace = ForwardTrace.Of(block, [input]);
        var builder = new GraphBuilder(graph, names);
        var calls = trace.Entries.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.First());
        string current = Export(block, "", "input", calls, builder);
        var output = calls[""].Output;
        graph.Input.Add(ValueInfo("input", input));
        graph.Output.Add(ValueInfo(current == "input" ? builder.Identity("output", current) : builder.Rename(current, "output"), output));
        var model = new Onnx.ModelProto
        {
            IrVersion = 8,
            ProducerName = "Sprout",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph,
        };
        model.OpsetImport.Add(new Onnx.OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>
    /// The nodes of <paramref name="block"/> (at <paramref name="path"/>) applied to the value <paramref name="x"/>; returns
    /// its output's name. Containers compose their children: Sequential in turn, Residual as Add, Concurrent as Concat.
    /// </summary>
    private static string Export(Block block, string path, string x, Dictionary<string, ForwardTrace.Entry> calls, GraphBuilder builder)
    {
        string Child(string name, Block child, string input) => Export(child, Block.Join(path, name), input, calls, builder);
        string node = path.Length == 0 ? "root" : path;
        switch (block)
        {
            case Sequential s:
                foreach (var (name, child) in s.Children) x = Child(name, child, x);
                return x;
            case Residual r:
                string sum = builder.Add(node, Child("body", r.Body, x), r.Shortcut is null ? x : Child("shortcut", r.Shortcut, x));
                return builder.Activation(r.Activation, node, sum);
            case Concurrent c:
                return builder.Concat(node, [.. c.Children.Select(kv => Child(kv.Key, kv.Value, x))], c.Axis);
            case TransformerEncoderBlock t:
                string y = Child("norm1", t.Norm1, builder.Add(node + "/residual1", x, Child("self_attn", t.SelfAttention, x)));
                return Child("norm2", t.Norm2, builder.Add(node + "/residual2", y, Child("ffn", t.Ffn, y)));
            case Models.DenseBlock d:   // each convolution block's output joins its input on the channels
                foreach (var (name, child) in d.Children) x = builder.Concat(Block.Join(node, name), [x, Child(name, child, x)], 1);
                return x;
            case PatchEmbedding p:
                return builder.PatchSequence(node, Child("conv", p.Conv, x), p.Conv.Weight.Shape[0]);
            case Models.VisionTransformer vit:
                return ExportVit(vit, path, x, calls, builder);
            case VitBlock v:
                string attended = builder.Add(node + "/residual1", x, Child("attention", v.Attention, Child("norm1", v.Norm1, x)));
                return builder.Add(node + "/residual2", attended, Child("mlp", v.Mlp, Child("norm2", v.Norm2, attended)));
            default:
                if (block.Children.Any())
                    throw new NotSupportedException(
                        $"ONNX export: the container {block.GetType().Name} at '{node}' is not supported: its forward pass is code of its own, which the exporter does not read. " +
                        "Sequential, Residual, Concurrent, TransformerEncoderBlock, VitBlock, PatchEmbedding, DenseBlock and VisionTransformer nest layers; to export this network, " +
                        "build the block from them (a residual block as new Residual(body, shortcut, Activation.Relu), as Sprout.Models.ModernCnns.ResNet18 does). " +
                        "Its parameters save and load in safetensors either way (SaveParameters).");
                if (!calls.TryGetValue(path, out var call))
                    throw new NotSupportedException($"ONNX export: {block.GetType().Name} at '{node}' was not run by the network's forward pass, so its place in the graph is unknown.");
                return builder.Layer(block, node, x, call.Input);
        }
    }

    private static OnnxTensor Initializer(string name, Tensor data)
    {
        var t = new OnnxTensor { Name = name, DataType = (int)OnnxTensor.Types.DataType.Float };
        t.Dims.AddRange(data.Shape.Select(d => (long)d));
        var bytes = new byte[data.Length * sizeof(float)];
        for (int i = 0; i < data.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), data.AsSpan()[i]);
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    private static Onnx.ValueInfoProto ValueInfo(string name, Shape shape)
    {
        var tensorType = new Onnx.TypeProto.Types.Tensor { ElemType = (int)OnnxTensor.Types.DataType.Float, Shape = new Onnx.TensorShapeProto() };
        for (int d = 0; d < shape.Rank; d++)
            tensorType.Shape.Dim.Add(d == 0 ? new Onnx.TensorShapeProto.Types.Dimension { DimParam = "N" } : new Onnx.TensorShapeProto.Types.Dimension { DimValue = shape[d] });
        return new Onnx.ValueInfoProto { Name = name, Type = new Onnx.TypeProto { TensorType = tensorType } };
    }

    /// <summary>Adds nodes for one layer at a time, each taking the previous layer's output.</summary>
    private sealed partial class GraphBuilder(Onnx.GraphProto graph, Dictionary<ParameterSlot, string> parameterNames)
    {
        public string Layer(Block layer, string path, string x, Shape inShape) => layer switch
        {
            Dense d => Activation(d.Activation, path, inShape.Rank == 2
                ? Node("Gemm", path, [x, Name(d.Weight), .. Optional(d.Bias)], ("transB", 1L))
                : AddBias(path, Node("MatMul", path, [x, Transposed(d.Weight)]), d.Bias)),
            Conv2D c => Activation(c.Activation, path, Node("Conv", path, [x, Name(c.Weight), .. Optional(c.Bias)],
                ("kernel_shape", new long[] { c.KernelSize.H, c.KernelSize.W }), ("strides", new long[] { c.Strides.H, c.Strides.W }),
                ("pads", new long[] { c.Padding.H, c.Padding.W, c.Padding.H, c.Padding.W }), ("dilations", new long[] { c.Dilation.H, c.Dilation.W }),
                ("group", (long)c.Groups))),
            Conv2DTranspose t => Activation(t.Activation, path, Node("ConvTranspose", path, [x, Name(t.Weight), .. Optional(t.Bias)],
                ("kernel_shape", new long[] { t.KernelSize.H, t.KernelSize.W }), ("strides", new long[] { t.Strides.H, t.Strides.W }),
                ("pads", new long[] { t.Padding.H, t.Padding.W, t.Padding.H, t.Padding.W }), ("dilations", new long[] { t.Dilation.H, t.Dilation.W }),
                ("output_padding", new long[] { t.OutputPadding.H, t.OutputPadding.W }), ("group", (long)t.Groups))),
            Conv1D c => Activation(c.Activation, path, Node("Conv", path, [x, Name(c.Weight), .. Optional(c.Bias)],
                ("kernel_shape", new long[] { c.KernelSize }), ("strides", new long[] { c.Strides }), ("pads", new long[] { c.Padding, c.Padding }),
                ("dilations", new long[] { c.Dilation }), ("group", (long)c.Groups))),
            MaxPool1D m => Node("MaxPool", path, [x], PoolAttributes(m)),
            AvgPool1D a => Node("AveragePool", path, [x], [.. PoolAttributes(a), ("count_include_pad", 1L)]),
            GlobalMaxPool1D => Node("GlobalMaxPool", path, [x]),
            GlobalAvgPool1D => Node("GlobalAveragePool", path, [x]),
            MaxPool2D m => Node("MaxPool", path, [x], PoolAttributes(m)),
            AvgPool2D a => Node("AveragePool", path, [x], [.. PoolAttributes(a), ("count_include_pad", 1L)]),
            GlobalAvgPool2D => Node("GlobalAveragePool", path, [x]),
            GlobalMaxPool2D => Node("GlobalMaxPool", path, [x]),
            AdaptivePool2D a => AdaptivePool(a, path, x, inShape),
            BatchNorm b => Node("BatchNormalization", path, [x, Name(b.Gamma), Name(b.Beta), Name(b.RunningMean), Name(b.RunningVar)],
                ("epsilon", b.Epsilon), ("momentum", b.Momentum)),
            Flatten => Node("Flatten", path, [x], ("axis", 1L)),
            // The ids arrive as floats holding whole numbers (Sprout's ids); Gather takes integers.
            Embedding e => Node("Gather", path, [Name(e.Weight), Node("Cast", path + "/ids", [x], ("to", (long)OnnxTensor.Types.DataType.Int64))], ("axis", 0L)),
            LayerNorm n => Node("LayerNormalization", path, [x, Name(n.Weight), Name(n.Bias)], ("axis", (long)-n.Axes), ("epsilon", n.Epsilon)),
            PositionWiseFfn f => Node("Add", path + "/linear2", [Node("MatMul", path + "/linear2", [
                    Activation(f.Activation, path, AddBias(path + "/linear1", Node("MatMul", path + "/linear1", [x, Transposed(f.Linear1Weight)]), f.Linear1Bias)),
                    Transposed(f.Linear2Weight)]), Name(f.Linear2Bias)]),
            Relu => Node("Relu", path, [x]),
            Nn.Sigmoid => Node("Sigmoid", path, [x]),
            Nn.Tanh => Node("Tanh", path, [x]),
            Gelu g => g.Approximate ? GeluTanh(path, x) : GeluErf(path, x),
            Silu => Node("Mul", path, [x, Node("Sigmoid", path, [x])]),
            LeakyRelu l => Node("LeakyRelu", path, [x], ("alpha", l.Slope)),
            Elu e => Node("Elu", path, [x], ("alpha", e.Alpha)),
            Softplus => Node("Softplus", path, [x]),
            Mish => Node("Mul", path + "/mish", [x, Node("Tanh", path, [Node("Softplus", path, [x])])]),
            HardTanh h => Node("Clip", path, [x, Constant(h.Min), Constant(h.Max)]),
            Dropout => Node("Identity", path, [x]),
            ClassToken c => WithClassToken(c, path, x),
            PositionEmbedding p => WithPositions(p, path, x, inShape),
            PositionalEncoding => WithEncoding(path, x, inShape),
            RecurrentLayer r => Recurrent(r, path, x),
            MultiHeadAttention m => SelfAttention(m, path, x),
            _ => throw new NotSupportedException($"ONNX export: {layer.GetType().Name} at '{path}' has no ONNX mapping yet."),
        };

        public string Add(string path, string a, string b) => Node("Add", path, [a, b]);

        public string Concat(string path, string[] inputs, int axis) => Node("Concat", path, inputs, ("axis", (long)axis));

        public string Identity(string output, string x) => Node("Identity", "output", [x], [], output);

        /// <summary>Renames the last node's output to <paramref name="name"/>.</summary>
        public string Rename(string current, string name)
        {
            foreach (var node in graph.Node)
                for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == current) node.Output[i] = name;
            return name;
        }

        private string Name(Parameter p) => parameterNames[p.Slot];

        private IEnumerable<string> Optional(Parameter? p) => p is null ? [] : [Name(p)];

        private string Transposed(Parameter w) => AddInitializer(Name(w) + "_T", () => w.Data().Transpose());

        /// <summary>The initializer <paramref name="name"/>, made from <paramref name="value"/> the first time it is asked for.</summary>
        private string AddInitializer(string name, Func<Tensor> value)
        {
            if (graph.Initializer.All(t => t.Name != name)) graph.Initializer.Add(Initializer(name, value()));
            return name;
        }

        public string Activation(Nn.Activation a, string path, string x) => a switch
        {
            Nn.Activation.None => x,
            Nn.Activation.Relu => Node("Relu", path + "/act", [x]),
            Nn.Activation.Sigmoid => Node("Sigmoid", path + "/act", [x]),
            Nn.Activation.Tanh => Node("Tanh", path + "/act", [x]),
            Nn.Activation.Gelu => GeluErf(path + "/act", x),
            Nn.Activation.Silu => Node("Mul", path + "/act", [x, Node("Sigmoid", path + "/act", [x])]),
            Nn.Activation.LeakyRelu => Node("LeakyRelu", path + "/act", [x], ("alpha", 0.01f)),
            Nn.Activation.Elu => Node("Elu", path + "/act", [x], ("alpha", 1f)),
            Nn.Activation.Softplus => Node("Softplus", path + "/act", [x]),
            Nn.Activation.Mish => Node("Mul", path + "/act/mish", [x, Node("Tanh", path + "/act", [Node("Softplus", path + "/act", [x])])]),
            _ => throw new NotSupportedException($"ONNX export: activation {a} at '{path}'."),
        };

        // Opset 17 has no Gelu node: ½x(1 + erf(x/√2)), and the tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
        private string GeluErf(string path, string x) =>
            Node("Mul", path + "/half", [Constant(0.5f), Node("Mul", path + "/x", [x,
                Node("Add", path, [Constant(1f), Node("Erf", path, [Node("Div", path, [x, Constant(MathF.Sqrt(2f))])])])])]);

        private string GeluTanh(string path, string x)
        {
            string cube = Node("Mul", path + "/cube", [Constant(0.044715f), Node("Mul", path + "/x3", [x, Node("Mul", path + "/x2", [x, x])])]);
            string inner = Node("Mul", path + "/scale", [Constant(0.7978845608f), Node("Add", path + "/inner", [x, cube])]);
            return Node("Mul", path + "/half", [Constant(0.5f), Node("Mul", path + "/x", [x, Node("Add", path, [Constant(1f), Node("Tanh", path, [inner])])])]);
        }

        /// <summary>A scalar initializer holding <paramref name="value"/>, added once.</summary>
        private string Constant(float value) => AddInitializer($"const_{BitConverter.SingleToInt32Bits(value):x8}", () => Tensor.Scalar(value));

        private static (string, object)[] PoolAttributes(Pool1D p) =>
        [
            ("kernel_shape", new long[] { p.PoolSize }), ("strides", new long[] { p.Strides }), ("pads", new long[] { p.Padding, p.Padding }),
            ("ceil_mode", p.CeilMode ? 1L : 0L),
        ];

        private static (string, object)[] PoolAttributes(Pool2D p) =>
        [
            ("kernel_shape", new long[] { p.PoolSize.H, p.PoolSize.W }), ("strides", new long[] { p.Strides.H, p.Strides.W }),
            ("pads", new long[] { p.Padding.H, p.Padding.W, p.Padding.H, p.Padding.W }), ("ceil_mode", p.CeilMode ? 1L : 0L),
        ];

        /// <summary>ONNX has no adaptive pooling: a global pool for a 1×1 output, a plain pool when the sizes divide evenly.</summary>
        private string AdaptivePool(AdaptivePool2D a, string path, string x, Shape inShape)
        {
            bool max = a is AdaptiveMaxPool2D;
            if (a.OutputSize == new Size2(1, 1)) return Node(max ? "GlobalMaxPool" : "GlobalAveragePool", path, [x]);
            var (h, w) = (inShape[2], inShape[3]);
            if (h % a.OutputSize.H != 0 || w % a.OutputSize.W != 0)
                throw new NotSupportedException($"ONNX export: {a.GetType().Name} at '{path}' pools {h}×{w} into {a.OutputSize.H}×{a.OutputSize.W} uneven bins, which ONNX cannot express; " +
                    "export at an input size that the output size divides, or pool to 1×1.");
            var window = new long[] { h / a.OutputSize.H, w / a.OutputSize.W };
            return Node(max ? "MaxPool" : "AveragePool", path, [x], ("kernel_shape", window), ("strides", window));
        }

        private string AddBias(string path, string x, Parameter? bias) => bias is null ? x : Node("Add", path + "/bias", [x, Name(bias)]);

        private string Node(string op, string path, IEnumerable<string> inputs, params (string Name, object Value)[] attributes) =>
            Node(op, path, inputs, attributes, output: null);

        private string Node(string op, string path, IEnumerable<string> inputs, (string Name, object Value)[] attributes, string? output)
        {
            var node = new Onnx.NodeProto { OpType = op, Name = $"{path}/{op}" };
            node.Input.AddRange(inputs);
            string name = output ?? $"{path}/{op}_out";
            node.Output.Add(name);
            foreach (var (key, value) in attributes) node.Attribute.Add(Attribute(key, value));
            graph.Node.Add(node);
            return name;
        }

        private static Onnx.AttributeProto Attribute(string name, object value) => value switch
        {
            long i => new Onnx.AttributeProto { Name = name, Type = Onnx.AttributeProto.Types.AttributeType.Int, I = i },
            float f => new Onnx.AttributeProto { Name = name, Type = Onnx.AttributeProto.Types.AttributeType.Float, F = f },
            long[] ints => WithInts(new Onnx.AttributeProto { Name = name, Type = Onnx.AttributeProto.Types.AttributeType.Ints }, ints),
            string text => new Onnx.AttributeProto { Name = name, Type = Onnx.AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(text) },
            string[] texts => WithStrings(new Onnx.AttributeProto { Name = name, Type = Onnx.AttributeProto.Types.AttributeType.Strings }, texts),
            _ => throw new ArgumentException($"Unsupported ONNX attribute value {value} for {name}."),
        };

        private static Onnx.AttributeProto WithStrings(Onnx.AttributeProto a, string[] texts)
        {
            a.Strings.AddRange(texts.Select(ByteString.CopyFromUtf8));
            return a;
        }

        private static Onnx.AttributeProto WithInts(Onnx.AttributeProto a, long[] ints)
        {
            a.Ints.AddRange(ints);
            return a;
        }
    }
}
