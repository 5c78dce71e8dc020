using Sprout.Nn;

namespace Sprout.IO;

// Multi-head self-attention as the products it is made of (opset 17 has no attention operator): project, split heads
// with Reshape + Transpose, scale Q·Kᵀ, Softmax over the keys, weight the values, join heads, project out. The exported
// graph has one input, so queries, keys and values are that input and no valid lengths or mask apply.
public static partial class OnnxExport
{
    private sealed partial class GraphBuilder
    {
        private string SelfAttention(MultiHeadAttention m, string path, string x)
        {
            int hidden = m.QueryWeight.Shape[0], headSize = hidden / m.Heads;
            string Project(string name, Parameter weight, int part)
            {
                string projected = Node("MatMul", $"{path}/{name}", [x, Transposed(weight)]);
                return m.InputBias is null ? projected : Node("Add", $"{path}/{name}/bias", [projected, SlicedBias(m.InputBias, part, hidden)]);
            }
            string Heads(string name, string projected, long[] perm) => Node("Transpose", $"{path}/{name}_heads",
                [Node("Reshape", $"{path}/{name}_heads", [projected, Int64s($"{path}/{name}_heads_shape", [0, 0, m.Heads, headSize])])], ("perm", perm));
            string q = Heads("q", Project("q", m.QueryWeight, 0), [0, 2, 1, 3]);    // (B, heads, T, d)
            string k = Heads("k", Project("k", m.KeyWeight, 1), [0, 2, 3, 1]);      // (B, heads, d, T)
            string v = Heads("v", Project("v", m.ValueWeight, 2), [0, 2, 1, 3]);
            string scores = Node("Mul", path + "/scale", [Node("MatMul", path + "/scores", [q, k]), Constant(1f / MathF.Sqrt(headSize))]);
            string weights = Node("Softmax", path, [scores], ("axis", -1L));
            string joined = Node("Reshape", path + "/join", [Node("Transpose", path + "/join", [Node("MatMul", path + "/attend", [weights, v])], ("perm", new long[] { 0, 2, 1, 3 })),
                Int64s(path + "/join_shape", [0, 0, hidden])]);
            return AddBias(path + "/out_proj", Node("MatMul", path + "/out_proj", [joined, Transposed(m.OutputWeight)]), m.OutputBias);
        }

        /// <summary>Part <paramref name="part"/> (q, k or v) of the packed (3·hidden) input bias, as its own initializer.</summary>
        private string SlicedBias(Parameter packed, int part, int hidden) =>
            AddInitializer($"{Name(packed)}_{"qkv"[part]}", () => packed.Data().Narrow(0, part * hidden, hidden));
    }
}
