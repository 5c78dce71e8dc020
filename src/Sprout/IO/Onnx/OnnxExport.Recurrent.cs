using Google.Protobuf;
using Sprout.Nn;
using OnnxTensor = Onnx.TensorProto;

namespace Sprout.IO;

// Rnn, Gru and Lstm as ONNX's RNN, GRU and LSTM nodes, one per stacked layer. ONNX stacks the directions of a layer on a
// leading axis and orders gates differently from PyTorch (LSTM: i, o, f, c against PyTorch's i, f, g, o; GRU: z, r, h
// against r, z, n, with the reset gate applied after the recurrent product: linear_before_reset = 1), so the weights
// are written reordered under their own names; the layer's parameters stay as they are.
public static partial class OnnxExport
{
    private sealed partial class GraphBuilder
    {
        /// <summary>The sequence output of <paramref name="layer"/> for the sequence <paramref name="x"/>; its final states are not exported.</summary>
        private string Recurrent(RecurrentLayer layer, string path, string x)
        {
            var (op, gateOrder) = layer switch
            {
                Lstm => ("LSTM", new[] { 0, 3, 1, 2 }),
                Gru => ("GRU", new[] { 1, 0, 2 }),
                _ => ("RNN", new[] { 0 }),
            };
            int directions = layer.Bidirectional ? 2 : 1;
            var parameters = layer.CollectParams();
            string prefix = Name(parameters["weight_ih_l0"])[..^"weight_ih_l0".Length];   // the layer's place in the network: "0."
            var attributes = new List<(string, object)> { ("hidden_size", (long)layer.Hidden), ("direction", layer.Bidirectional ? "bidirectional" : "forward") };
            if (layer is Gru) attributes.Add(("linear_before_reset", 1L));
            if (layer is Rnn rnn) attributes.Add(("activations", Enumerable.Repeat(rnn.Activation == Nn.Activation.Relu ? "Relu" : "Tanh", directions).ToArray()));
            if (layer.BatchFirst) x = Node("Transpose", path + "/time_major", [x], ("perm", new long[] { 1, 0, 2 }));
            for (int k = 0; k < layer.Layers; k++)
            {
                string Stacked(string kind) => StackedDirections($"{prefix}{kind}_l{k}_onnx", [.. Enumerable.Range(0, directions)
                    .Select(d => parameters[$"{kind}_l{k}{(d == 1 ? "_reverse" : "")}"].Data())], gateOrder);
                string bias = StackedBiases($"{prefix}bias_l{k}_onnx", [.. Enumerable.Range(0, directions)
                    .Select(d => (parameters[$"bias_ih_l{k}{(d == 1 ? "_reverse" : "")}"].Data(), parameters[$"bias_hh_l{k}{(d == 1 ? "_reverse" : "")}"].Data()))], gateOrder);
                string at = $"{path}/l{k}";
                string y = Node(op, at, [x, Stacked("weight_ih"), Stacked("weight_hh"), bias], [.. attributes]);
                // Y is (T, directions, N, H); the next layer and the caller want (T, N, directions·H).
                x = Node("Reshape", at + "/merge", [Node("Transpose", at, [y], ("perm", new long[] { 0, 2, 1, 3 })), Int64s(at + "/shape", [0, 0, -1])]);
            }
            return layer.BatchFirst ? Node("Transpose", path + "/batch_first", [x], ("perm", new long[] { 1, 0, 2 })) : x;
        }

        /// <summary>(directions, gates·H, ·) from each direction's (gates·H, ·) weight, gate blocks reordered.</summary>
        private string StackedDirections(string name, Tensor[] weights, int[] gateOrder) =>
            AddInitializer(name, () => Tensor.Stack(0, [.. weights.Select(w => ReorderGates(w, gateOrder))]));

        /// <summary>(directions, 2·gates·H): each direction's input bias then recurrent bias, gate blocks reordered.</summary>
        private string StackedBiases(string name, (Tensor Input, Tensor Recurrent)[] biases, int[] gateOrder) =>
            AddInitializer(name, () => Tensor.Stack(0, [.. biases.Select(b => Tensor.Concat(0, [ReorderGates(b.Input, gateOrder), ReorderGates(b.Recurrent, gateOrder)]))]));

        private static Tensor ReorderGates(Tensor w, int[] gateOrder)
        {
            int size = w.Shape[0] / gateOrder.Length;
            return Tensor.Concat(0, [.. gateOrder.Select(g => w.Narrow(0, g * size, size))]);
        }

        /// <summary>An int64 vector initializer (a shape operand).</summary>
        private string Int64s(string name, long[] values)
        {
            var t = new OnnxTensor { Name = name, DataType = (int)OnnxTensor.Types.DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            graph.Initializer.Add(t);
            return name;
        }
    }
}
