using Sprout.Models;
using Sprout.Nn;

namespace Sprout.IO;

// The book's vision Transformer and its embedding layers: patches as a strided Conv then (B, hidden, P) → (B, P, hidden);
// the class token expanded to the batch (its size read from the input's shape at run time, the batch being symbolic)
// and put first; learned positions and the sine table added, cut to the sequence's length; the class token's state
// picked out for the head.
public static partial class OnnxExport
{
    /// <summary>The ViT in order: embeddings, the blocks, the final norm, the class token's row, the head.</summary>
    private static string ExportVit(VisionTransformer v, string path, string x, Dictionary<string, ForwardTrace.Entry> calls, GraphBuilder builder)
    {
        string Child(string name, Block child, string input) => Export(child, Block.Join(path, name), input, calls, builder);
        string h = Child("cls_token", v.Token, Child("patch_embedding", v.Patches, x));
        h = Child("pos_embedding", v.Positions, h);   // embedding dropout: identity when predicting
        foreach (var (name, block) in v.Blocks.Children) h = Export(block, Block.Join(Block.Join(path, "blocks"), name), h, calls, builder);
        string cls = builder.FirstStep(path.Length == 0 ? "root" : path, Child("norm", v.Norm, h));
        return Child("head", v.Head, cls);
    }

    private sealed partial class GraphBuilder
    {
        /// <summary>(B, hidden, H/p, W/p) from the patch convolution → (B, P, hidden).</summary>
        public string PatchSequence(string path, string convolved, int hidden) =>
            Node("Transpose", path + "/steps", [Node("Reshape", path + "/flatten", [convolved, Int64s(path + "/flatten_shape", [0, hidden, -1])])],
                ("perm", new long[] { 0, 2, 1 }));

        /// <summary>x[:, 0, :]: (B, T, F) → (B, F).</summary>
        public string FirstStep(string path, string x) => Node("Gather", path + "/cls", [x, Int64Scalar(path + "/cls_index", 0)], ("axis", 1L));

        /// <summary>The (1, 1, F) token expanded to (B, 1, F), B read from x's shape, then put before x's steps.</summary>
        private string WithClassToken(ClassToken token, string path, string x)
        {
            string batch = Node("Slice", path + "/batch", [Node("Shape", path, [x]), Int64s(path + "/batch_start", [0]), Int64s(path + "/batch_end", [1])]);
            string shape = Node("Concat", path + "/expand_shape", [batch, Int64s(path + "/one_one", [1, 1])], ("axis", 0L));
            return Node("Concat", path, [Node("Expand", path, [Name(token.Token), shape]), x], ("axis", 1L));
        }

        /// <summary>x + weight[:T] for the T steps the network is exported at.</summary>
        private string WithPositions(PositionEmbedding p, string path, string x, Shape inShape)
        {
            int steps = inShape[1];
            string weight = p.Weight.Shape[0] == steps ? Name(p.Weight)
                : Node("Slice", path + "/steps", [Name(p.Weight), Int64s(path + "/start", [0]), Int64s(path + "/end", [steps]), Int64s(path + "/axes", [0])]);
            return Node("Add", path, [x, weight]);
        }

        /// <summary>x + the sine table of the exported length and width, as a constant.</summary>
        private string WithEncoding(string path, string x, Shape inShape) =>
            Node("Add", path, [x, AddInitializer(path + "/table", () => PositionalEncoding.Table(inShape[1], inShape[2]))]);

        private string Int64Scalar(string name, long value)
        {
            var t = new Onnx.TensorProto { Name = name, DataType = (int)Onnx.TensorProto.Types.DataType.Int64 };
            t.Int64Data.Add(value);
            graph.Initializer.Add(t);
            return name;
        }
    }
}
