//! `#[derive(Event)]`: implements `sio::typed::Event` (name, argument
//! layout, ack type) and, when an ack is declared, `sio::typed::AckedEvent`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::ParseStream;
use syn::{DeriveInput, Ident, LitStr, Token, Type};

/// The names socket.io reserves (socket.io-parser's list): a peer may
/// not send them, so an event cannot be called that.
const RESERVED: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

#[derive(Default)]
struct Attrs {
    name: Option<LitStr>,
    ack: Option<Type>,
    args: bool,
}

fn parse_attrs(input: &DeriveInput) -> syn::Result<Attrs> {
    let mut attrs = Attrs::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("event")) {
        attr.parse_args_with(|input: ParseStream<'_>| {
            while !input.is_empty() {
                if input.peek(LitStr) {
                    attrs.name = Some(input.parse()?);
                } else {
                    let key: Ident = input.parse()?;
                    match key.to_string().as_str() {
                        "name" => {
                            input.parse::<Token![=]>()?;
                            attrs.name = Some(input.parse()?);
                        }
                        "ack" => {
                            input.parse::<Token![=]>()?;
                            attrs.ack = Some(input.parse()?);
                        }
                        "args" => attrs.args = true,
                        _ => {
                            return Err(syn::Error::new(
                                key.span(),
                                "unknown `event` option: expected \"name\", `name = \"..\"`, `ack = Type` or `args`",
                            ));
                        }
                    }
                }
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(())
        })?;
    }
    Ok(attrs)
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let attrs = parse_attrs(input)?;
    let Some(name) = attrs.name else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "an event needs its name: add `#[event(\"chat message\")]`",
        ));
    };
    let value = name.value();
    if value.is_empty() {
        return Err(syn::Error::new(
            name.span(),
            "an event name cannot be empty",
        ));
    }
    if RESERVED.contains(&value.as_str()) {
        return Err(syn::Error::new(
            name.span(),
            format!("`{value}` is reserved by socket.io and cannot be an event name"),
        ));
    }
    if attrs.args && !is_tuple_struct(input) {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`args` spreads a tuple struct's fields as the event's arguments: use it on a tuple struct",
        ));
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let spread = attrs.args;
    let ack_ty = attrs
        .ack
        .as_ref()
        .map_or_else(|| quote!(::sio::typed::NoAck), |ty| quote!(#ty));
    let acked = attrs.ack.is_some().then(|| {
        quote! {
            impl #impl_generics ::sio::typed::AckedEvent for #ident #ty_generics #where_clause {}
        }
    });
    Ok(quote! {
        impl #impl_generics ::sio::typed::Event for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;
            const SPREAD: bool = #spread;
            type Ack = #ack_ty;
        }
        #acked
    })
}

fn is_tuple_struct(input: &DeriveInput) -> bool {
    matches!(&input.data, syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Unnamed(_)))
}
