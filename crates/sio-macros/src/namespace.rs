//! `#[derive(Namespace)]`: implements `sio::typed::Namespace` (path, the
//! three event maps as type lists, the socket data type), the membership
//! traits the typed API checks, and a compile-time check that no two
//! events of one map share a name.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{DeriveInput, Ident, LitStr, Token, Type};

#[derive(Default)]
struct Attrs {
    path: Option<LitStr>,
    client: Vec<Type>,
    server: Vec<Type>,
    server_side: Vec<Type>,
    data: Option<Type>,
}

fn list(input: ParseStream<'_>) -> syn::Result<Vec<Type>> {
    let content;
    syn::bracketed!(content in input);
    let types = Punctuated::<Type, Token![,]>::parse_terminated(&content)?;
    Ok(types.into_iter().collect())
}

fn parse_attrs(input: &DeriveInput) -> syn::Result<Attrs> {
    let mut attrs = Attrs::default();
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("namespace"))
    {
        attr.parse_args_with(|input: ParseStream<'_>| {
            while !input.is_empty() {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                match key.to_string().as_str() {
                    "path" => attrs.path = Some(input.parse()?),
                    "client" => attrs.client.extend(list(input)?),
                    "server" => attrs.server.extend(list(input)?),
                    "server_side" => attrs.server_side.extend(list(input)?),
                    "data" => attrs.data = Some(input.parse()?),
                    _ => {
                        return Err(syn::Error::new(
                            key.span(),
                            "unknown `namespace` option: expected `path`, `client`, `server`, `server_side` or `data`",
                        ));
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

/// `(A, (B, ()))`: a type list of any length with two trait impls.
fn cons(types: &[Type]) -> TokenStream {
    types
        .iter()
        .rev()
        .fold(quote!(()), |tail, head| quote!((#head, #tail)))
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let attrs = parse_attrs(input)?;
    let path = attrs
        .path
        .unwrap_or_else(|| LitStr::new("/", input.ident.span()));
    if !path.value().starts_with('/') {
        return Err(syn::Error::new(
            path.span(),
            "a namespace path starts with `/`",
        ));
    }
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "a namespace is a plain type without generics (e.g. `struct Chat;`)",
        ));
    }
    let ident = &input.ident;
    let data = attrs.data.map_or_else(|| quote!(()), |ty| quote!(#ty));
    let (client, server, server_side) = (
        cons(&attrs.client),
        cons(&attrs.server),
        cons(&attrs.server_side),
    );
    let member = |types: &[Type], tr: TokenStream| {
        types
            .iter()
            .map(|ty| quote!(impl ::sio::typed::#tr<#ident> for #ty {}))
            .collect::<TokenStream>()
    };
    let memberships = [
        member(&attrs.client, quote!(ClientEvent)),
        member(&attrs.server, quote!(ServerEvent)),
        member(&attrs.server_side, quote!(ServerSideEvent)),
    ];
    let unique = |types: &[Type], what: &str| {
        let message = format!("two {what} events of namespace `{ident}` have the same name");
        quote! {
            const _: () = if ::sio::typed::__private::has_duplicate(
                &[#(<#types as ::sio::typed::Event>::NAME),*]
            ) {
                ::core::panic!(#message)
            };
        }
    };
    let checks = [
        unique(&attrs.client, "client-to-server"),
        unique(&attrs.server, "server-to-client"),
        unique(&attrs.server_side, "server-side"),
    ];
    Ok(quote! {
        impl ::sio::typed::Namespace for #ident {
            const PATH: &'static str = #path;
            type ClientEvents = #client;
            type ServerEvents = #server;
            type ServerSideEvents = #server_side;
            type Data = #data;
        }
        #(#memberships)*
        #(#checks)*
    })
}
