using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.BuildersGuide;

/// <summary>
/// A field given a new block or parameter after the first forward is what the structure shows from then on, as
/// PyTorch's and Gluon's attribute assignment registers it (the book's fine-tuning: finetune_net.output = nn.Dense(2)).
/// </summary>
public class FieldReassignmentTests
{
    private sealed class Classifier : Block
    {
        public Dense Features { get; set; } = new(8, Activation.Relu);
        public Dense Output { get; set; } = new(10);
        public Dropout? Drop { get; set; } = new(0.5f);
        public List<Dense> Extra { get; } = [];
        public Parameter Scale { get; set; } = new("scale", new Shape(1), new Sprout.Init.Constant(1f));

        protected override Tensor ForwardCore(Tensor x)
        {
            var h = Features.Forward(x);
            if (Drop is not null) h = Drop.Forward(h);
            foreach (var e in Extra) h = e.Forward(h);
            return Output.Forward(h) * Scale.Data();
        }
    }

    [Fact]
    public void A_new_output_layer_replaces_the_old_one_under_its_name_and_trains()
    {
        var net = new Classifier();
        net.Initialize();
        var x = Tensor.RandomUniform(4, 5);
        net.Forward(x);
        var oldHead = net.Output;
        var features = net.Features.Weight.Data().ToArray();
        net.Output = new Dense(2);   // fine-tuning: a new head for two classes
        var names = net.CollectParams().Keys.ToList();
        Assert.Equal(["scale", "features.weight", "features.bias", "output.weight", "output.bias"], names);   // same place, same name (own parameters first, as PyTorch lists them)
        Assert.Same(net.Output.Weight, net.CollectParams()["output.weight"]);
        Assert.Equal("output.weight", net.Output.Weight.Path);
        Assert.Equal("weight", oldHead.Weight.Path);   // detached from the network
        net.Initialize();   // fills what is new at the next forward; the features stay as trained
        net.Output.Weight.LearningRateMultiplier = 10;
        var trainer = new Trainer(net.CollectParams(), new Sgd(0.1f));
        Tensor loss;
        using (Sprout.Autograd.Record()) loss = new SoftmaxCrossEntropyLoss().Forward(net.Forward(x), Tensor.FromArray([0f, 1f, 0f, 1f], 4)).Sum();
        Assert.Equal(features, net.Features.Weight.Data().ToArray());
        var head = net.Output.Weight.Data().ToArray();
        loss.Backward();
        trainer.Step(4);
        Assert.NotEqual(head, net.Output.Weight.Data().ToArray());   // the new head is the one trained
        Assert.Contains("(output): Dense(8 -> 2", net.ToString());
    }

    [Fact]
    public void A_field_emptied_is_unregistered_and_a_list_that_grew_registers_its_new_items()
    {
        var net = new Classifier();
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 5));
        Assert.Contains(net.Children, c => c.Key == "drop");
        net.Drop = null;
        net.Extra.Add(new Dense(8));
        Assert.DoesNotContain(net.Children, c => c.Key == "drop");
        Assert.Contains("extra.0.weight", net.CollectParams().Keys);
        var e = Assert.Throws<UninitializedParameterException>(() => net.Forward(Tensor.RandomUniform(2, 5)));
        Assert.Contains("'extra.0.weight'", e.Message);   // a new layer is named by its path, and needs Initialize as in Gluon
        net.Initialize();
        Assert.Equal(new Shape(2, 10), net.Forward(Tensor.RandomUniform(2, 5)).Shape);
        Assert.Equal(new Shape(8, 8), net.Extra[0].Weight.Shape);
    }

    [Fact]
    public void A_parameter_field_given_a_new_parameter_is_registered_in_its_place_and_clones_follow()
    {
        var net = new Classifier();
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 5));
        var replaced = net.Scale;
        net.Scale = new Parameter("scale", new Shape(1), new Sprout.Init.Constant(3f));
        Assert.Same(net.Scale, net.CollectParams()["scale"]);
        Assert.Null(replaced.Owner);   // no longer the network's
        net.Initialize();
        var clone = (Classifier)net.Clone();
        clone.Forward(Tensor.RandomUniform(2, 5));
        Assert.Equal([3f], clone.Scale.Data().ToArray());
        Assert.NotSame(net.Scale, clone.Scale);
        Assert.Same(clone.Scale, clone.CollectParams()["scale"]);
    }

    [Fact]
    public void A_sequential_item_set_to_a_new_block_takes_its_place_and_name()
    {
        var net = new Sequential { new Dense(8, Activation.Relu), new Dense(10) };
        net.Initialize();
        net.Forward(Tensor.RandomUniform(2, 5));
        var old = net[1];
        net[1] = new Dense(2);   // PyTorch: net[-1] = nn.Linear(8, 2)
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], net.CollectParams().Keys);
        Assert.Equal("1.weight", ((Dense)net[1]).Weight.Path);
        Assert.Equal("", old.FullPath);
        net.Initialize();
        Assert.Equal(new Shape(2, 2), net.Forward(Tensor.RandomUniform(2, 5)).Shape);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net[2] = new Dense(3));
        Assert.Contains("0 to 1", e.Message);
        Assert.Throws<ArgumentException>(() => net[0] = net);   // a cycle, refused
        Assert.Equal(2, net.Count);
        Assert.IsType<Dense>(net[0]);
        var list = new BlockList { new Dense(3), new Dense(4) };
        list[0] = new Dense(5);
        Assert.Equal(5, ((Dense)list[0]).Weight.Shape[0]);
    }

    private sealed class Clash : Block
    {
        public Clash() => AddParameter("weight", new Shape(2));
        public Parameter Weight { get; set; } = new("w", new Shape(2));
        protected override Tensor ForwardCore(Tensor x) => x;
    }

    [Fact]
    public void A_field_whose_name_is_taken_by_a_declared_parameter_is_refused_naming_both()
    {
        var e = Assert.Throws<ArgumentException>(() => new Clash().CollectParams());
        Assert.Contains("field 'weight'", e.Message);
        Assert.Contains("Rename", e.Message);
    }
}
